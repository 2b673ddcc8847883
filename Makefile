# pgclone-operator developer commands. Everything goes through the Maven wrapper, so a JDK 17+ is
# the only thing a newcomer needs besides what `make deps` installs (PostgreSQL binaries for tests).
MVN ?= ./mvnw -B
CRD_BUILD_DIR := operator/target/kubernetes
# the operator's image; the Helm chart's image.repository and appVersion default to the same
IMAGE_REGISTRY ?= ghcr.io/pgclone/pgclone-operator
IMAGE_TAG ?= 0.1.0
IMAGE := $(IMAGE_REGISTRY):$(IMAGE_TAG)
DOCKER ?= docker

.PHONY: help build testkit test test-fast lint-shell crds deps clean sandbox bench e2e-k3s image image-push docker-check controlplane controlplane-test

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

deps: ## install what the tests need on Debian/Ubuntu (root): PostgreSQL 15 + pg_cron, btrfs-progs, libnss-wrapper, shellcheck, dash, busybox; checks for Go and kubectl
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-15-cron postgresql-contrib btrfs-progs util-linux libnss-wrapper shellcheck dash busybox
	@command -v go >/dev/null || { echo "make deps: Go (1.26+) is needed to build the local control plane (make controlplane); install it from https://go.dev/dl or set CLUSTER=mock" >&2; exit 1; }
	@command -v kubectl >/dev/null || { echo "make deps: kubectl is needed (the local cluster applies the CRDs with kubectl apply -f crds/, as users do); install it or set CLUSTER=mock" >&2; exit 1; }
	@echo "make deps: $$(go version), kubectl $$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -1)"

build: ## compile and package the operator (generates the CRDs into operator/target/kubernetes)
	$(MVN) package -DskipTests

# the end-to-end suite, the sandbox and the bench run on the local control plane unless CLUSTER=mock
CONTROLPLANE_IF_REAL := $(if $(filter mock,$(CLUSTER)),,controlplane)

test: lint-shell $(CONTROLPLANE_IF_REAL) ## run every test: shell lint, unit, golden files, real PostgreSQL, the end-to-end suite on a real control plane (CLUSTER=mock: the fabric8 mock)
	$(MVN) verify

test-fast: ## the first test tier alone: the operator's unit and golden-file tests (no API server, no PostgreSQL, no cluster; under a minute)
	$(MVN) -pl operator -am test -DexcludedGroups=api-server,postgres

# The e2e module's goals below run with -pl e2e alone (exec:exec must not run in the other modules), so
# the test kit it links comes from the local repository: install it first (seconds; no tests).
testkit: ## install the test kit (stand-ins, PostgreSQL launcher, local cluster) into the local Maven repository, for -pl e2e runs
	$(MVN) -q -pl testkit install -DskipTests

SHELL_SCRIPTS := operator/src/main/resources/bootstrap/clone-bootstrap.sh

lint-shell: ## shellcheck the clone Pod's bootstrap script (POSIX sh; also dash -n, as the postgres images' /bin/sh parses it) and .ci/run
	shellcheck --shell=sh $(SHELL_SCRIPTS)
	dash -n $(SHELL_SCRIPTS)
	shellcheck .ci/run
	@echo "lint-shell: $(SHELL_SCRIPTS) .ci/run clean"

crds: build ## regenerate crds/ from the Java model
	cp $(CRD_BUILD_DIR)/*-v1.yml crds/

sandbox: build testkit $(CONTROLPLANE_IF_REAL) ## local cluster + sample production DB under load + the operator + a clone; Ctrl-C removes it all (SCALE=10 STORAGE=auto|copy)
	$(MVN) -q -pl e2e exec:exec -Dsandbox.scale=$(or $(SCALE),10) -Dsandbox.storage=$(or $(STORAGE),auto)

clean: ## remove build output
	$(MVN) clean

# Defaults as variables: in $(or ...) a comma separates arguments, so a default like 20,150 (or a value
# passed as BENCH_SCALES=20,150) would be cut at its first comma
BENCH_SCALES ?= 20,150
BENCH_REPEATS ?= 3
BENCH_PARTS ?= clone,checkpoint,scale,monitor,masked
BENCH_CLONES ?= 500
BENCH_MONITOR_ROUNDS ?= 3
BENCH_WAL_MB ?= 1024
BENCH_STORAGE ?= auto

bench: build testkit $(CONTROLPLANE_IF_REAL) ## measure clone vs dump, the CHECKPOINT effect, 500 clones, the rehearsal monitor's cost and masked clones in both masking modes; writes bench-results/<time>.md (BENCH_SCALES=20,150 BENCH_REPEATS=3 BENCH_PARTS=clone,checkpoint,scale,monitor,masked BENCH_CLONES=500 BENCH_MONITOR_ROUNDS=3)
	$(MVN) -q -pl e2e exec:exec@bench -Dbench.scales=$(BENCH_SCALES) -Dbench.repeats=$(BENCH_REPEATS) \
		-Dbench.parts=$(BENCH_PARTS) -Dbench.clones=$(BENCH_CLONES) -Dbench.monitorRounds=$(BENCH_MONITOR_ROUNDS) \
		-Dbench.walMb=$(BENCH_WAL_MB) -Dbench.storage=$(BENCH_STORAGE)

e2e-k3s: build testkit ## the end-to-end scenarios on K3s (Testcontainers; needs Docker and network, skipped without Docker)
	$(MVN) -pl e2e verify -Pe2e-k3s

CONTROLPLANE_DIR := e2e/controlplane
CONTROLPLANE_BIN := $(CONTROLPLANE_DIR)/bin/pgclone-controlplane
# -s -w: no symbol table or DWARF (195 MB -> 136 MB); -v lists each package as it is compiled, the
# progress of a first build
CONTROLPLANE_GOFLAGS ?= -v -ldflags='-s -w'

controlplane: ## build the local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, CSI snapshot controller) from Go modules into e2e/controlplane/bin/
	@echo "building the local control plane from Go modules (first build ~13 min on 2 cores: ~2,500 packages, each listed as it compiles; cached builds seconds)"
	@echo "  cd $(CONTROLPLANE_DIR) && go build $(CONTROLPLANE_GOFLAGS) -o bin/pgclone-controlplane .   (module cache $$(go env GOMODCACHE), build cache $$(go env GOCACHE))"
	@cd $(CONTROLPLANE_DIR) && start=$$(date +%s) && go build $(CONTROLPLANE_GOFLAGS) -o bin/pgclone-controlplane . && \
		mkdir -p bin/snapshot-crds && cp -f "$$(go list -m -f '{{.Dir}}' github.com/kubernetes-csi/external-snapshotter/client/v8)"/config/crd/snapshot.storage.k8s.io_*.yaml bin/snapshot-crds/ && \
		chmod u+w bin/snapshot-crds/*.yaml && \
		echo "built $(CONTROLPLANE_BIN) in $$(( $$(date +%s) - start )) s: $$(./bin/pgclone-controlplane version)"

controlplane-test: controlplane ## smoke-test the local control plane: kubectl, ServiceAccount tokens, RBAC, garbage collection, PV/PVC binding, clean stop
	cd $(CONTROLPLANE_DIR) && PGCLONE_CONTROLPLANE=$(CURDIR)/$(CONTROLPLANE_BIN) go test -count=1 -v ./...

docker-check:
	@$(DOCKER) info >/dev/null 2>&1 || { echo "make image: '$(DOCKER) info' failed: no Docker engine is reachable here. Start Docker (or set DOCKER=podman) and run make image again." >&2; exit 1; }

image: docker-check build ## build the operator image (IMAGE_REGISTRY=ghcr.io/pgclone/pgclone-operator IMAGE_TAG=0.1.0; needs Docker)
	$(DOCKER) build -f operator/src/main/docker/Dockerfile.jvm -t $(IMAGE) operator

image-push: image ## build, then push IMAGE_REGISTRY:IMAGE_TAG (docker login to the registry first)
	$(DOCKER) push $(IMAGE)
