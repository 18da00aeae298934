# The two commands of the README, and a few shortcuts. The scripts do the work.
.PHONY: run test lint bench clean

run:    ## set up and serve the product on 127.0.0.1:8000 with the demo model
	scripts/run.sh

test:   ## set up and run every check and test (PostgreSQL and Redis are started when installed)
	scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/mypy .

bench:  ## benchmarks on PostgreSQL (see bench/README.md); the report benchmark needs REDIS_URL too
	.venv/bin/python bench/document_and_ops.py
	.venv/bin/python bench/report.py

clean:
	rm -rf var/static var/openapi.yml
