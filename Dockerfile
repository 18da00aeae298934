# The product image: the Django app with its built frontend. One image serves the web, worker and
# beat services of docker-compose.yml; the command picks the role.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/ ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund && npm run build; else mkdir -p dist; fi

FROM python:3.13-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 THREATMODEL_VAR_DIR=/var/lib/threatmodel
RUN apt-get update && apt-get install -y --no-install-recommends graphviz \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /app --uid 10001 threatmodel
WORKDIR /app
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
COPY --from=frontend /src/frontend/dist ./frontend/dist
RUN mkdir -p /var/lib/threatmodel && chown threatmodel /var/lib/threatmodel \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
USER threatmodel
EXPOSE 8000
# --no-proxy-headers: the app takes the client address from X-Forwarded-For itself, as far as
# BEHIND_PROXY and NUM_PROXIES allow (common/client.py); uvicorn must not rewrite it first.
CMD ["uvicorn", "threatmodel.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--no-proxy-headers"]
