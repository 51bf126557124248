# Fazt: one Swift executable, one SQLite file.
SWIFT ?= swift
# Release: static Swift runtime (one self-contained binary); dynamic exclusivity checks off in every
# module (they cost ~5% of a static-file hit; debug builds and tests keep them).
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -enforce-exclusivity=unchecked
DATA ?= ./data.db
PORT ?= 8080

.PHONY: run build release test test-deps lint format screenshots bench bench-https bench-realtime bench-ai bench-report bench-metrics deps venv conformance clean

## make run: install missing packages, build release, serve ./data.db on port 8080
run: release
	./.build/release/fazt serve --data $(DATA) --port $(PORT)

deps:
	@scripts/install-deps.sh build

test-deps:
	@scripts/install-deps.sh test

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

## make venv: a Python virtualenv (.venv, not in git) with kosoku, the Autobahn WebSocket suite runner,
## and selenium, which drives Chromium in the assistant's browser test (AssistantBrowserTests)
KOSOKU_VERSION := 0.1.0
SELENIUM_VERSION := 4
## and the official MCP Python SDK (PyPI `mcp`): 1.x in .venv (initialize era), 2.x in .venv-mcp2
## (stateless 2026-07-28 era), for the MCP interoperability tests (MCPInteropTests)
MCP1_VERSION := 1.30.0
MCP2_VERSION := 2.3.0
## and moto's S3 server (PyPI `moto[server]`: `moto_server`) for the S3 backup test (BackupS3Tests)
MOTO_VERSION := 5
venv: .venv/bin/kosoku .venv/.selenium-$(SELENIUM_VERSION) .venv/.mcp-$(MCP1_VERSION) .venv-mcp2/.mcp-$(MCP2_VERSION) \
	.venv/.moto-$(MOTO_VERSION)

.venv/bin/python3:
	python3 -m venv .venv

.venv/bin/kosoku: .venv/bin/python3
	.venv/bin/pip install --quiet --disable-pip-version-check kosoku==$(KOSOKU_VERSION)

.venv/.selenium-$(SELENIUM_VERSION): .venv/bin/python3
	.venv/bin/pip install --quiet --disable-pip-version-check 'selenium>=$(SELENIUM_VERSION),<5'
	touch $@

.venv/.mcp-$(MCP1_VERSION): .venv/bin/python3
	.venv/bin/pip install --quiet --disable-pip-version-check 'mcp==$(MCP1_VERSION)'
	touch $@

.venv/.moto-$(MOTO_VERSION): .venv/bin/python3
	.venv/bin/python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=$(MOTO_VERSION),<6'
	touch $@

.venv-mcp2/.mcp-$(MCP2_VERSION):
	python3 -m venv .venv-mcp2
	.venv-mcp2/bin/pip install --quiet --disable-pip-version-check 'mcp==$(MCP2_VERSION)'
	touch $@

## make screenshots: the dashboard (1280x800 and 390x844) and the assistant widget in headless Chromium, into docs/screenshots
screenshots: test-deps venv build
	DASHBOARD_SCREENSHOTS=docs/screenshots .venv/bin/python3 scripts/dashboard-browser.py --fazt .build/debug/fazt
	ASSISTANT_SCREENSHOTS=docs/screenshots .venv/bin/python3 scripts/assistant-browser.py --fazt .build/debug/fazt

## make test: install what tests need (Chromium and its driver, promtool from prometheus), build, run every test and the format check
test: test-deps venv
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests Plugins

## make bench-metrics: what the request metrics cost on the hot path (static 1 KB, one release binary
## with the per-loop counters on and off; figures in docs/performance-notes.md)
bench-metrics: release
	@scripts/install-deps.sh bench
	scripts/bench-metrics.sh

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests Plugins

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests Plugins

## make conformance: every Autobahn case (RFC 6455, RFC 7692) against an echo app on the debug build,
## 9.* and the compression groups 12-13 included (about 20 minutes on 2 cores; results in
## docs/conformance.md); `make test` runs groups 1-7 and 10 (ConformanceTests, about 15 s)
conformance: build venv
	python3 scripts/conformance.py --all --report .build/conformance

## make bench: nginx vs fazt on static files, Node vs fazt, storage, RSS, deploy time, realtime, AI
## streaming (vs LiteLLM), git (vs git daemon and http-backend), restore points, online backup of a
## 1 GB data.db (BACKUP_MB=256 for a smaller one), MCP, ES modules and TypeScript (200 files); writes
## docs/performance.jsonl (raw figures) and docs/performance.md. BENCH_ROUNDS=3, DURATION=10s by default.
bench: release .venv-bench/bin/litellm
	@scripts/install-deps.sh bench
	python3 scripts/bench-ai.py .build/release/fazt .venv-bench/bin/litellm
	python3 scripts/bench-git.py .build/release/fazt
	python3 scripts/bench-restore.py .build/release/fazt
	python3 scripts/bench-backup.py .build/release/fazt
	python3 scripts/bench-mcp.py .build/release/fazt
	scripts/bench-https.sh
	python3 scripts/bench-modules.py .build/release/fazt
	scripts/bench.sh

## make bench-https: HTTPS static 1 KB vs nginx with the same certificate (TLS 1.3, keep-alive), new
## TLS handshakes per second, RSS per idle TLS connection (also part of make bench)
bench-https: release
	@scripts/install-deps.sh bench
	scripts/bench-https.sh

## make bench-ai: fazt.ai streaming overhead (time to first token, per-token latency, 100 streams' RSS)
## against LiteLLM's proxy, both fed by scripts/mock-ai-provider.py; writes docs/performance-ai.md
bench-ai: release .venv-bench/bin/litellm
	python3 scripts/bench-ai.py .build/release/fazt .venv-bench/bin/litellm
	$(MAKE) bench-report

# LiteLLM's proxy (PyPI), the peer of the AI benchmark, in its own virtualenv (not in git).
.venv-bench/bin/litellm:
	python3 -m venv .venv-bench
	.venv-bench/bin/pip install --quiet --disable-pip-version-check 'litellm[proxy]'

## make bench-realtime: only the realtime part (idle sockets, broadcast, wake latency vs Node + ws);
## writes docs/performance-realtime.jsonl and prints its report. `make bench` runs it too (BENCH_REALTIME=0 skips).
bench-realtime: release
	@scripts/install-deps.sh bench
	scripts/bench-realtime.sh

## make bench-report: rewrite docs/performance.md from docs/performance.jsonl (no measuring)
bench-report:
	python3 scripts/bench-report.py docs/performance.jsonl docs/performance-notes.md >docs/performance.md.tmp
	mv docs/performance.md.tmp docs/performance.md

clean:
	rm -rf .build
