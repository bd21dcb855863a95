# Root conftest: the CDK's acceptance-suite plugin must be registered here, at the rootdir (registering
# it in a test module fails); it adds --connector-image and the scenario parametrization.
pytest_plugins = ["airbyte_cdk.test.standard_tests.pytest_hooks"]
