# Thin wrappers: dev.py is the source of truth so a machine without make works too.
.PHONY: up test lint bench lock
up:
	python3 dev.py up
test:
	python3 dev.py test
lint:
	python3 dev.py lint
bench:
	python3 dev.py bench
lock:
	python3 dev.py lock
