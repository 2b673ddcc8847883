// Package smoke starts the pgclone-controlplane binary and drives it as a user would. It is a
// package of its own so that its test binary does not link the whole control plane.
package smoke

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestControlPlane starts the binary in a temporary directory and checks, through kubectl, what
// the local cluster relies on a real control plane for; then stops it and checks that no process
// is left and the data directory can be removed. It needs a built binary (it builds one, from the
// Go build cache, unless PGCLONE_CONTROLPLANE names one) and is skipped with -short.
func TestControlPlane(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane (about 10-30 s); run without -short")
	}
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed: the smoke test drives the control plane with it")
	}
	bin := controlPlaneBinary(t)
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	admin := filepath.Join(dir, "admin.kubeconfig")

	cmd := exec.Command(bin, "--data-dir", dataDir, "--kubeconfig", admin, "--snapshot-crds", snapshotCRDs(t, bin))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
			}
		}
		if t.Failed() {
			t.Logf("supervisor log:\n%s", stderr.String())
			for _, name := range []string{"kube-apiserver", "kube-controller-manager"} {
				if log, err := os.ReadFile(filepath.Join(dataDir, "logs", name+".log")); err == nil {
					t.Logf("%s log (last 3000 bytes):\n%s", name, tail(string(log), 3000))
				}
			}
		}
	})

	lines := make(chan string, 8)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			lines <- scanner.Text()
		}
		close(lines)
		exited <- cmd.Wait()
	}()
	var ready readyMessage
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatalf("the control plane exited before it was ready")
		}
		if err := json.Unmarshal([]byte(line), &ready); err != nil || ready.Status != "ready" {
			t.Fatalf("first line is not a ready message: %s", line)
		}
	case <-time.After(4 * time.Minute):
		t.Fatalf("not ready within 4 minutes")
	}
	t.Logf("ready after %s (reported %.1fs): %s, kubeconfig %s", time.Since(started).Round(time.Millisecond), ready.StartupSecs, ready.URL, ready.Kubeconfig)
	if ready.Kubeconfig != admin {
		t.Errorf("kubeconfig %s, asked for %s", ready.Kubeconfig, admin)
	}
	t.Logf("RSS at ready (supervisor with etcd, API server, controller manager): %d MiB", treeRSS(cmd.Process.Pid)/1024)

	k := func(args ...string) string {
		return run(t, kubectl, append([]string{"--kubeconfig", admin}, args...)...)
	}

	t.Run("get namespaces", func(t *testing.T) {
		out := k("get", "ns", "-o", "name")
		for _, ns := range []string{"namespace/default", "namespace/kube-system", "namespace/kube-public"} {
			if !strings.Contains(out, ns) {
				t.Errorf("kubectl get ns lacks %s:\n%s", ns, out)
			}
		}
	})

	k("create", "namespace", "smoke")

	// The CRDs as users apply them, and their CEL rules compiled and run by a real API server
	// (the fabric8 mock used by the operator's fast tests runs none).
	t.Run("CRDs and their validation rules", func(t *testing.T) {
		k("apply", "-f", filepath.Join("..", "..", "..", "crds"))
		for _, crd := range []string{"databaseclones.pgclone.dev", "refreshschedules.pgclone.dev", "clonesources.pgclone.dev"} {
			k("wait", "--for=condition=Established", "--timeout=60s", "crd/"+crd)
		}
		clone := func(name, source string) string {
			return "apiVersion: pgclone.dev/v1alpha1\nkind: DatabaseClone\nmetadata: {name: " + name + ", namespace: smoke}\n" +
				"spec:\n  source: " + source + "\n  postgres: {image: postgres:16}\n"
		}
		refused := func(what, manifest, message string) {
			out, err := runErr(kubectl, "--kubeconfig", admin, "apply", "-f", "-", "<<", manifest)
			if err == nil || !strings.Contains(out, message) {
				t.Errorf("%s: want a refusal saying %q, got %v:\n%s", what, message, err, out)
			}
		}
		refused("two sources", clone("two", "{pvcName: data, snapshotName: nightly}"), "set exactly one of spec.source.pvcName")
		refused("no source", clone("none", "{}"), "set exactly one of spec.source.pvcName")
		refused("cloneSource with a namespace", clone("cs", "{cloneSource: {name: orders, namespace: prod}, namespace: prod}"),
			"with spec.source.cloneSource")
		k("apply", "-f", "-", "<<", clone("ok", "{pvcName: data}"))
		refused("a changed source", clone("ok", "{pvcName: other}"), "spec.source is immutable")
		schedule := "apiVersion: pgclone.dev/v1alpha1\nkind: RefreshSchedule\nmetadata: {name: nightly, namespace: smoke}\n" +
			"spec:\n  schedule: '0 6 * * *'\n  template:\n    spec:\n      source: {pvcName: data, snapshotName: nightly}\n"
		refused("a schedule template with two sources", schedule, "set exactly one of spec.source.pvcName")
		k("delete", "databaseclone", "-n", "smoke", "ok", "--wait=false")
	})

	t.Run("ServiceAccount tokens and RBAC", func(t *testing.T) {
		k("-n", "smoke", "create", "serviceaccount", "robot")
		token := strings.TrimSpace(k("-n", "smoke", "create", "token", "robot"))
		empty := filepath.Join(dir, "empty.kubeconfig")
		if err := os.WriteFile(empty, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		asRobot := func(tok string, args ...string) (string, error) {
			return runErr(kubectl, append([]string{"--kubeconfig", empty, "--server", ready.URL, "--certificate-authority", ready.CAFile, "--token", tok}, args...)...)
		}
		out, err := asRobot(token, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
		if err != nil || out != "system:serviceaccount:smoke:robot" {
			t.Fatalf("auth whoami with the token: %q, %v", out, err)
		}
		// RBAC: nothing granted yet
		if out, err := asRobot(token, "auth", "can-i", "list", "configmaps", "-n", "smoke"); err == nil || strings.TrimSpace(out) != "no" {
			t.Errorf("can-i list configmaps before any grant: %q, %v; want no", out, err)
		}
		k("-n", "smoke", "create", "rolebinding", "robot-view", "--clusterrole=view", "--serviceaccount=smoke:robot")
		if out, err := asRobot(token, "auth", "can-i", "list", "configmaps", "-n", "smoke"); err != nil || strings.TrimSpace(out) != "yes" {
			t.Errorf("can-i list configmaps after binding view: %q, %v; want yes", out, err)
		}
		if out, err := asRobot(token, "auth", "can-i", "create", "configmaps", "-n", "smoke"); err == nil || strings.TrimSpace(out) != "no" {
			t.Errorf("can-i create configmaps with view: %q, %v; want no", out, err)
		}
		// a legacy token Secret is filled by the token controller, signed with the same key
		k("-n", "smoke", "apply", "-f", "-", "<<", `{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/service-account-token",
			"metadata":{"name":"robot-token","annotations":{"kubernetes.io/service-account.name":"robot"}}}`)
		var legacy string
		eventually(t, 30*time.Second, "the token controller fills robot-token", func() bool {
			legacy = k("-n", "smoke", "get", "secret", "robot-token", "-o", "jsonpath={.data.token}")
			return legacy != ""
		})
		decoded, err := decodeBase64(legacy)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := asRobot(decoded, "auth", "can-i", "list", "configmaps", "-n", "smoke"); err != nil || strings.TrimSpace(out) != "yes" {
			t.Errorf("can-i with the legacy Secret token: %q, %v; want yes", out, err)
		}
	})

	t.Run("garbage collection", func(t *testing.T) {
		k("-n", "smoke", "create", "configmap", "owner", "--from-literal=a=b")
		uid := k("-n", "smoke", "get", "configmap", "owner", "-o", "jsonpath={.metadata.uid}")
		k("-n", "smoke", "apply", "-f", "-", "<<", fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap",
			"metadata":{"name":"dependent","ownerReferences":[{"apiVersion":"v1","kind":"ConfigMap","name":"owner","uid":%q}]},
			"data":{"c":"d"}}`, uid))
		k("-n", "smoke", "delete", "configmap", "owner", "--wait=true")
		eventually(t, 60*time.Second, "the garbage collector deletes the dependent ConfigMap", func() bool {
			_, err := runErr(kubectl, "--kubeconfig", admin, "-n", "smoke", "get", "configmap", "dependent")
			return err != nil
		})
	})

	t.Run("PV/PVC binding", func(t *testing.T) {
		k("apply", "-f", "-", "<<", `{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"smoke-pv"},
			"spec":{"capacity":{"storage":"1Gi"},"accessModes":["ReadWriteOnce"],"storageClassName":"manual","hostPath":{"path":"/tmp/smoke-pv"}}}`)
		k("-n", "smoke", "apply", "-f", "-", "<<", `{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"smoke-pvc"},
			"spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"manual","resources":{"requests":{"storage":"1Gi"}}}}`)
		eventually(t, 60*time.Second, "the PVC binds to the PV", func() bool {
			return k("-n", "smoke", "get", "pvc", "smoke-pvc", "-o", "jsonpath={.status.phase}/{.spec.volumeName}") == "Bound/smoke-pv"
		})
	})

	t.Run("snapshot controller binds a pre-provisioned VolumeSnapshotContent", func(t *testing.T) {
		// the upstream CRDs are installed; no CSI driver answers here, so the content never becomes
		// ready, but the controller binds the snapshot to it and puts its finalizers on both
		k("apply", "-f", "-", "<<", `{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshotContent","metadata":{"name":"smoke-content"},
			"spec":{"deletionPolicy":"Retain","driver":"smoke.example.com","source":{"snapshotHandle":"smoke-handle"},
			"volumeSnapshotRef":{"name":"smoke-snapshot","namespace":"smoke"}}}`)
		k("-n", "smoke", "apply", "-f", "-", "<<", `{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"smoke-snapshot"},
			"spec":{"source":{"volumeSnapshotContentName":"smoke-content"}}}`)
		eventually(t, 60*time.Second, "the snapshot controller binds the VolumeSnapshot to its content", func() bool {
			return k("-n", "smoke", "get", "volumesnapshot", "smoke-snapshot", "-o", "jsonpath={.status.boundVolumeSnapshotContentName}") == "smoke-content"
		})
		if out, err := runErr(kubectl, "--kubeconfig", admin, "-n", "smoke", "apply", "-f", "-", "<<", `{"apiVersion":"snapshot.storage.k8s.io/v1",
			"kind":"VolumeSnapshot","metadata":{"name":"two-sources"},"spec":{"source":{"volumeSnapshotContentName":"x","persistentVolumeClaimName":"y"}}}`); err == nil {
			t.Errorf("a VolumeSnapshot with two sources was accepted: %s", out)
		}
		k("-n", "smoke", "delete", "volumesnapshot", "smoke-snapshot", "--wait=true", "--timeout=60s")
		k("delete", "volumesnapshotcontent", "smoke-content", "--wait=true", "--timeout=60s")
	})

	t.Run("namespace deletion", func(t *testing.T) {
		k("delete", "namespace", "smoke", "--wait=false")
		eventually(t, 90*time.Second, "the namespace controller empties and removes smoke", func() bool {
			_, err := runErr(kubectl, "--kubeconfig", admin, "get", "namespace", "smoke")
			return err != nil
		})
	})

	t.Logf("RSS after the checks: %d MiB", treeRSS(cmd.Process.Pid)/1024)

	// stop it: every part ends, nothing holds the data directory
	stopStart := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Errorf("the control plane exited with %v after SIGTERM", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("still running 60 s after SIGTERM")
	}
	t.Logf("stopped in %s", time.Since(stopStart).Round(time.Millisecond))
	if left := processesMentioning(dataDir); len(left) > 0 {
		t.Errorf("processes left after stop: %v", left)
	}
	if err := os.RemoveAll(dataDir); err != nil {
		t.Errorf("data directory not removable: %v", err)
	}
}

// readyMessage is the part of the control plane's ready line that the test reads.
type readyMessage struct {
	Status      string  `json:"status"`
	URL         string  `json:"url"`
	Kubeconfig  string  `json:"kubeconfig"`
	CAFile      string  `json:"caFile"`
	StartupSecs float64 `json:"startupSeconds"`
}

func controlPlaneBinary(t *testing.T) string {
	if bin := os.Getenv("PGCLONE_CONTROLPLANE"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "pgclone-controlplane")
	start := time.Now()
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	out, err := build.CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// snapshotCRDs is where make controlplane put the upstream VolumeSnapshot CRDs beside the binary, or,
// for a binary this test built, their directory in the module cache.
func snapshotCRDs(t *testing.T, bin string) string {
	beside := filepath.Join(filepath.Dir(bin), "snapshot-crds")
	if _, err := os.Stat(beside); err == nil {
		return beside
	}
	list := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/kubernetes-csi/external-snapshotter/client/v8")
	list.Dir = ".."
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list the external-snapshotter client module: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "config", "crd")
}

// run runs a command, failing the test on error; a "<<" argument sends the argument after it as
// standard input.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := runErr(name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func runErr(name string, args ...string) (string, error) {
	var stdin string
	for i, a := range args {
		if a == "<<" && i+1 < len(args) {
			stdin = args[i+1]
			args = append(args[:i:i], args[i+2:]...)
			break
		}
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// processesMentioning lists the processes whose command line contains s.
func processesMentioning(s string) []string {
	var found []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(cmdline) == 0 {
			continue
		}
		if strings.Contains(string(cmdline), s) {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return found
}

// treeRSS is the resident set size in KiB of a process and its descendants (a child is listed
// under the thread that started it, so every thread's list is read).
func treeRSS(pid int) int {
	total := rssKiB(pid)
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		children, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		for _, c := range strings.Fields(string(children)) {
			var child int
			if _, err := fmt.Sscan(c, &child); err == nil {
				total += treeRSS(child)
			}
		}
	}
	return total
}

func rssKiB(pid int) int {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var kb int
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "VmRSS:"), "kB")), &kb)
			return kb
		}
	}
	return 0
}

func decodeBase64(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
