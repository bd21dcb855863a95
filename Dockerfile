# The source-twilio connector image.
#
#   docker build -t source-twilio .                  # anywhere with network access (python:3.11-slim base)
#   ./scripts/docker-build                           # here: no registry, local Debian base, offline wheels
#
# BASE_IMAGE: any Debian-like image with python3 >= 3.10 and its venv module.
# PIP_INSTALL_ARGS: extra pip arguments, e.g. "--no-index --find-links /src/build/wheelhouse" for a build
# without network, with the wheels prepared on the host by scripts/docker-build.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ARG PIP_INSTALL_ARGS=""
COPY . /src
RUN python3 -m venv /opt/source-twilio \
 && /opt/source-twilio/bin/pip install --no-cache-dir --disable-pip-version-check ${PIP_INSTALL_ARGS} \
        -c /src/constraints.txt /src \
 && /opt/source-twilio/bin/source-twilio spec > /dev/null

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
