# The source-twilio connector image.
#
#   docker build -t source-twilio .                  # anywhere with network access (python:3.11-slim base)
#   ./scripts/docker-build                           # here: no registry, local Debian base, offline wheels
#
# BASE_IMAGE: any Debian-like image with python3 >= 3.10 and its venv module.
# PIP_INSTALL_ARGS: extra pip arguments, e.g. "--no-index --find-links /src/build/wheelhouse" for a build
# without network, with the wheels prepared on the host by scripts/docker-build.
#
# The image holds the venv without what the connector never loads and pip does not count: no pip (nothing
# requires it; `pip check` runs here, on the very venv that is copied, and its answer is kept in
# /opt/source-twilio/pip-check.txt), no tests/ folders inside packages, and bytecode only for the modules a
# command imports. Every distribution airbyte-cdk requires stays whole, pandas and numpy included: see README.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
# scripts/docker-build removes this stage's image after the build by this label (no dangling image left).
LABEL io.source-twilio.stage="build"
ARG PIP_INSTALL_ARGS=""
COPY . /src
ENV VENV=/opt/source-twilio
RUN python3 -m venv "$VENV" \
 && "$VENV/bin/pip" install --quiet --no-cache-dir --no-compile --disable-pip-version-check ${PIP_INSTALL_ARGS} \
        -c /src/constraints.txt /src \
 && "$VENV/bin/pip" check --disable-pip-version-check > "$VENV/pip-check.txt" \
 && cat "$VENV/pip-check.txt" \
 && "$VENV/bin/pip" uninstall --quiet --yes --disable-pip-version-check pip \
 && find "$VENV" -depth -type d \( -name __pycache__ -o -name tests \) -exec rm -rf {} + \
 && printf '{"account_sid": "AC00000000000000000000000000000000", "credentials": {"auth_type": "auth_token", "auth_token": "x"}, "start_date": "2024-01-01T00:00:00Z", "base_url": "http://127.0.0.1:9", "insights_base_url": "http://127.0.0.1:9"}' > /tmp/warm-up.json \
 && "$VENV/bin/source-twilio" discover --config /tmp/warm-up.json | grep -q '"type":"CATALOG"' \
 && rm /tmp/warm-up.json
# `discover` above imports what spec, check, discover and read import (its one request, the credentials check, finds
# no server on 127.0.0.1:9 and decides nothing) and leaves their
# bytecode, and theirs only, in __pycache__: the image never has to compile them again, and nothing else is kept.

FROM ${BASE_IMAGE}
ARG VERSION=0.2.0
COPY --from=build /opt/source-twilio /opt/source-twilio
RUN useradd --system --uid 10001 --user-group --home-dir /airbyte --create-home airbyte
ENV PATH="/opt/source-twilio/bin:${PATH}" \
    PYTHONUNBUFFERED=1 \
    AIRBYTE_ENTRYPOINT="source-twilio"
LABEL io.airbyte.name="source-twilio" \
      io.airbyte.version="${VERSION}" \
      org.opencontainers.image.title="source-twilio" \
      org.opencontainers.image.description="Airbyte source for Twilio conferences and participants" \
      org.opencontainers.image.licenses="MIT"
USER airbyte
WORKDIR /airbyte
ENTRYPOINT ["source-twilio"]
