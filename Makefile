# Community group buying for Odoo 18: the two commands a newcomer needs.
#   make run    set up what is missing, create the demo database once, serve Odoo on :8069
#   make test   the same set-up, a fresh test database, every test (ends with "N passed, N failed")
#   make reset  drop the demo database
#   make cluster  two Odoo nodes behind nginx (HAProxy queues for --workers nodes) on :8080, one PostgreSQL, shared filestore and sessions
SHELL := /bin/bash
DB ?= groupbuy
TEST_DB ?= groupbuy_test

.PHONY: setup run test reset bench cluster bench-close

setup:
	@scripts/setup.sh

run: setup
	@scripts/run.sh $(DB)

test: setup
	@scripts/test.sh $(TEST_DB)

reset:
	@dropdb --if-exists $(DB) && echo "dropped $(DB)"

bench: setup
	@.venv/bin/python bench/flash_sale.py

cluster: setup
	@scripts/cluster.sh
bench-close: setup
	@.venv/bin/python bench/close_campaign.py
