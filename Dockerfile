# One image for every process (api, worker, beat, migrate); the command picks the role.
FROM python:3.11-slim AS base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# openssh-client: ssh-keygen -Y verify checks opt-out statements' SSH signatures.
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 codecommons
WORKDIR /srv/codecommons
COPY pyproject.toml README.md constraints.txt ./
COPY app ./app
COPY workers ./workers
COPY migrations ./migrations
RUN pip install -c constraints.txt .
# The uploads volume (docker-compose.yml) takes this folder's owner when first mounted.
RUN mkdir -p /var/lib/codecommons/uploads && chown -R codecommons /var/lib/codecommons
USER codecommons
# The attribution scanner's machine code (numba), compiled once here rather than by
# each container's first scan; site-packages is not writable by this user.
ENV NUMBA_CACHE_DIR=/home/codecommons/.cache/numba
RUN python -c "from app.attribution.winnowing import fingerprint_text as f; f('x = 1\n', language='python')"
EXPOSE 8000
CMD ["codecommons", "api", "--host", "0.0.0.0"]
