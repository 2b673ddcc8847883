package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const issuer = "https://kubernetes.default.svc.cluster.local"

// defaultControllers are the kube-controller-manager controllers the operator and the local
// cluster rely on, plus the cheap ones a real cluster would have. Left out on purpose: the
// pod-garbage-collector (it deletes Pods bound to a Node object that does not exist, and the local
// kubelet registers none), the node, cloud, certificate-signing and the workload controllers other
// than Jobs (Deployments, StatefulSets, ...: the operator creates its Pods directly; a
// MigrationRehearsal with a migration image runs it as a Job).
var defaultControllers = []string{
	"garbage-collector-controller",
	"namespace-controller",
	"serviceaccount-controller",
	"serviceaccount-token-controller",
	"root-ca-certificate-publisher-controller",
	"clusterrole-aggregation-controller",
	"persistentvolume-binder-controller",
	// the default admission plugins put protection finalizers on PVs and PVCs: without these two
	// controllers no PV or PVC could ever be deleted
	"persistentvolume-protection-controller",
	"persistentvolumeclaim-protection-controller",
	"resourcequota-controller",
	"endpointslice-controller",
	// a MigrationRehearsal's job migration runs as a Job
	"job-controller",
}

type options struct {
	dataDir                              string
	kubeconfig                           string
	port                                 int
	etcdPort                             int
	controllers                          string
	serviceRange                         string
	etcdFsync                            bool
	snapshotController                   bool
	snapshotCRDs                         string
	readyTimeout                         time.Duration
	apiserverArgs, controllerManagerArgs multiFlag
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// readyMessage is the one line printed on standard output once the control plane can be used.
type readyMessage struct {
	Status      string            `json:"status"`
	URL         string            `json:"url"`
	Kubeconfig  string            `json:"kubeconfig"`
	CAFile      string            `json:"caFile"`
	SAKeyFile   string            `json:"serviceAccountKeyFile"`
	Etcd        string            `json:"etcd"`
	DataDir     string            `json:"dataDir"`
	PID         int               `json:"pid"`
	StartupSecs float64           `json:"startupSeconds"`
	Versions    map[string]string `json:"versions"`
}

func supervise(args []string) int {
	if len(args) > 0 && args[0] == "run" {
		args = args[1:]
	}
	var o options
	fs := flag.NewFlagSet("pgclone-controlplane", flag.ContinueOnError)
	fs.StringVar(&o.dataDir, "data-dir", "", "directory for etcd's data, the generated certificates and keys, and the logs (required; removable once stopped)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "where to write the admin kubeconfig (default DATA_DIR/admin.kubeconfig)")
	fs.IntVar(&o.port, "port", 0, "the API server's secure port on 127.0.0.1 (0: a free port)")
	fs.IntVar(&o.etcdPort, "etcd-port", 0, "etcd's client port on 127.0.0.1 (0: a free port); its peer port is another free port")
	fs.StringVar(&o.controllers, "controllers", strings.Join(defaultControllers, ","), "kube-controller-manager --controllers")
	fs.StringVar(&o.serviceRange, "service-cluster-ip-range", "10.0.0.0/24", "the range Services' cluster IPs are allocated from (127.0.1.0/24 works too: a local proxy can then listen on each Service's own cluster IP)")
	fs.BoolVar(&o.etcdFsync, "etcd-fsync", false, "let etcd fsync its log (off by default: a local control plane trades durability across a machine crash for speed)")
	fs.BoolVar(&o.snapshotController, "snapshot-controller", true, "run the CSI snapshot controller and install the upstream VolumeSnapshot CRDs")
	fs.StringVar(&o.snapshotCRDs, "snapshot-crds", "", "directory of the upstream VolumeSnapshot CRDs (default: snapshot-crds beside this binary, where make controlplane copies them)")
	fs.DurationVar(&o.readyTimeout, "ready-timeout", 3*time.Minute, "give up if not ready within this time")
	fs.Var(&o.apiserverArgs, "apiserver-arg", "an extra kube-apiserver argument, such as --feature-gates=...; repeatable")
	fs.Var(&o.controllerManagerArgs, "controller-manager-arg", "an extra kube-controller-manager argument; repeatable")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.dataDir == "" {
		fmt.Fprintln(os.Stderr, "pgclone-controlplane: --data-dir is required")
		fs.Usage()
		return 2
	}
	cp := &controlPlane{opts: o, stopping: make(chan struct{})}
	return cp.run()
}

type controlPlane struct {
	opts     options
	start    time.Time
	etcd     *embeddedEtcd
	children []*child
	stopping chan struct{}
}

type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (cp *controlPlane) run() int {
	cp.start = time.Now()
	o := &cp.opts
	var err error
	if o.dataDir, err = filepath.Abs(o.dataDir); err != nil {
		return fail(err)
	}
	if o.kubeconfig == "" {
		o.kubeconfig = filepath.Join(o.dataDir, "admin.kubeconfig")
	}
	if o.kubeconfig, err = filepath.Abs(o.kubeconfig); err != nil {
		return fail(err)
	}
	logDir := filepath.Join(o.dataDir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return fail(err)
	}

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer cp.shutdown()

	serviceIP, err := firstIP(o.serviceRange)
	if err != nil {
		return fail(fmt.Errorf("--service-cluster-ip-range: %w", err))
	}
	p, err := loadOrCreatePKI(filepath.Join(o.dataDir, "pki"), serviceIP)
	if err != nil {
		return fail(fmt.Errorf("certificates: %w", err))
	}
	if o.port == 0 {
		if o.port, err = freePort(); err != nil {
			return fail(err)
		}
	}
	url := "https://127.0.0.1:" + strconv.Itoa(o.port)
	if err := writeKubeconfig(o.kubeconfig, url, p, p.adminCert, p.adminKey, "pgclone-admin"); err != nil {
		return fail(err)
	}
	cmKubeconfig := filepath.Join(p.dir, "controller-manager.kubeconfig")
	if err := writeKubeconfig(cmKubeconfig, url, p, p.controllerMgrCert, p.controllerMgrKey, "system:kube-controller-manager"); err != nil {
		return fail(err)
	}

	cp.etcd, err = startEtcd(filepath.Join(o.dataDir, "etcd"), o.etcdPort, !o.etcdFsync, filepath.Join(logDir, "etcd.log"))
	if err != nil {
		return fail(fmt.Errorf("etcd: %w", err))
	}
	logf("etcd ready at %s", cp.etcd.clientURL)

	apiserverArgs := []string{
		"--etcd-servers=" + cp.etcd.clientURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(o.port),
		"--cert-dir=" + p.dir,
		"--tls-cert-file=" + p.servingCert,
		"--tls-private-key-file=" + p.servingKey,
		"--client-ca-file=" + p.caCert,
		"--service-account-issuer=" + issuer,
		"--service-account-key-file=" + p.saPublicKey,
		"--service-account-signing-key-file=" + p.saPrivateKey,
		"--service-cluster-ip-range=" + o.serviceRange,
		"--authorization-mode=RBAC",
		// the "kubernetes" Service's endpoints would name 127.0.0.1, which Endpoints refuse
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
	}
	if err := cp.startChild("kube-apiserver", append(apiserverArgs, o.apiserverArgs...), logDir); err != nil {
		return fail(err)
	}
	controllerManagerArgs := []string{
		"--kubeconfig=" + cmKubeconfig,
		"--controllers=" + o.controllers,
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + p.saPrivateKey,
		"--root-ca-file=" + p.caCert,
		"--service-cluster-ip-range=" + o.serviceRange,
		"--profiling=false",
	}
	if err := cp.startChild("kube-controller-manager", append(controllerManagerArgs, o.controllerManagerArgs...), logDir); err != nil {
		return fail(err)
	}

	if o.snapshotController {
		if o.snapshotCRDs == "" {
			self, err := os.Executable()
			if err != nil {
				return fail(err)
			}
			o.snapshotCRDs = filepath.Join(filepath.Dir(self), "snapshot-crds")
		}
		// the admin's credentials: the upstream Deployment's RBAC is not what this project tests
		args := []string{"--kubeconfig=" + o.kubeconfig, "--crds=" + o.snapshotCRDs}
		if err := cp.startChild("snapshot-controller", args, logDir); err != nil {
			return fail(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), o.readyTimeout)
	readyErr := make(chan error, 1)
	go func() { readyErr <- cp.waitReady(ctx, o.kubeconfig) }()
	ready := false
	exited, etcdErrors := cp.exited(), cp.etcd.errors()
	for {
		select {
		case err := <-readyErr:
			cancel()
			if err != nil {
				return fail(fmt.Errorf("not ready after %s: %w (logs in %s)", time.Since(cp.start).Round(time.Second), err, logDir))
			}
			ready = true
			msg := readyMessage{Status: "ready", URL: url, Kubeconfig: o.kubeconfig, CAFile: p.caCert, SAKeyFile: p.saPublicKey,
				Etcd: cp.etcd.clientURL, DataDir: o.dataDir, PID: os.Getpid(),
				StartupSecs: time.Since(cp.start).Round(time.Millisecond).Seconds(), Versions: moduleVersions()}
			line, _ := json.Marshal(msg)
			fmt.Println(string(line))
		case s := <-signals:
			cancel()
			logf("%s: stopping", s)
			return 0
		case c := <-exited:
			cancel()
			return fail(fmt.Errorf("%s exited (%v); see %s", c.name, c.err, filepath.Join(logDir, c.name+".log")))
		case err := <-etcdErrors:
			cancel()
			return fail(fmt.Errorf("etcd: %w", err))
		}
		if ready {
			readyErr = nil
		}
	}
}

// exited yields the first child that exits.
func (cp *controlPlane) exited() <-chan *child {
	out := make(chan *child, 1)
	for _, c := range cp.children {
		go func() {
			select {
			case <-c.done:
				select {
				case out <- c:
				default:
				}
			case <-cp.stopping:
			}
		}()
	}
	return out
}

func (cp *controlPlane) startChild(name string, args []string, logDir string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	log, err := os.OpenFile(filepath.Join(logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// a terminal's Ctrl-C reaches the supervisor alone, which stops the parts in order
		Setpgid: true,
		// if the supervisor dies without stopping its parts (SIGKILL), the kernel ends them
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		log.Close()
		close(c.done)
	}()
	cp.children = append(cp.children, c)
	logf("%s started (pid %d)", name, cmd.Process.Pid)
	return nil
}

// waitReady waits for the API server's /readyz and then for the controller manager to have
// created the "default" ServiceAccount in "default": Pods need that ServiceAccount, and its
// existence shows the controllers run with working credentials; then, with the snapshot
// controller, for the VolumeSnapshot API it installs.
func (cp *controlPlane) waitReady(ctx context.Context, kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cfg.Timeout = 5 * time.Second
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	last := errors.New("no answer yet")
	for {
		body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			break
		}
		if err != nil {
			last = err
		}
		if !sleep(ctx, 200*time.Millisecond) {
			return fmt.Errorf("/readyz: %w", last)
		}
	}
	logf("kube-apiserver ready after %s", time.Since(cp.start).Round(time.Millisecond))
	for {
		_, err := client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			break
		}
		if !apierrors.IsNotFound(err) {
			last = err
		} else {
			last = errors.New(`ServiceAccount default/default not created by kube-controller-manager`)
		}
		if !sleep(ctx, 200*time.Millisecond) {
			return last
		}
	}
	if !cp.opts.snapshotController {
		return nil
	}
	for {
		_, err := client.Discovery().ServerResourcesForGroupVersion("snapshot.storage.k8s.io/v1")
		if err == nil {
			return nil
		}
		last = fmt.Errorf("VolumeSnapshot API not served yet (see snapshot-controller.log): %w", err)
		if !sleep(ctx, 200*time.Millisecond) {
			return last
		}
	}
}

// shutdown stops the controller manager, then the API server (which drains its requests), then
// etcd; a part that does not stop in time is killed.
func (cp *controlPlane) shutdown() {
	close(cp.stopping)
	for i := len(cp.children) - 1; i >= 0; i-- {
		c := cp.children[i]
		grace := 10 * time.Second
		if c.name == "kube-apiserver" {
			grace = 30 * time.Second
		}
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(grace):
			logf("%s did not stop within %s: killing it", c.name, grace)
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		logf("%s stopped", c.name)
	}
	if cp.etcd != nil {
		cp.etcd.close()
		logf("etcd stopped")
	}
	line, _ := json.Marshal(map[string]any{"status": "stopped", "seconds": time.Since(cp.start).Round(time.Millisecond).Seconds()})
	fmt.Println(string(line))
}

func writeKubeconfig(path, url string, p *pki, cert, key, user string) error {
	ca, err := os.ReadFile(p.caCert)
	if err != nil {
		return err
	}
	certData, err := os.ReadFile(cert)
	if err != nil {
		return err
	}
	keyData, err := os.ReadFile(key)
	if err != nil {
		return err
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["pgclone-local"] = &clientcmdapi.Cluster{Server: url, CertificateAuthorityData: ca}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: certData, ClientKeyData: keyData}
	cfg.Contexts["pgclone-local"] = &clientcmdapi.Context{Cluster: "pgclone-local", AuthInfo: user, Namespace: metav1.NamespaceDefault}
	cfg.CurrentContext = "pgclone-local"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return err
	}
	return os.Chmod(path, 0o600)
}

// firstIP is the first address of a range, the one the API server gives the "kubernetes" Service.
func firstIP(cidr string) (string, error) {
	_, network, err := net.ParseCIDR(cidr)
	if err != nil {
		return "", err
	}
	ip := network.IP.To4()
	if ip == nil {
		return "", fmt.Errorf("%s: only IPv4 ranges are supported", cidr)
	}
	ip = append(net.IP(nil), ip...)
	ip[3]++
	return ip.String(), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pgclone-controlplane: "+format+"\n", args...)
}

func fail(err error) int {
	logf("%v", err)
	line, _ := json.Marshal(map[string]string{"status": "failed", "error": err.Error()})
	fmt.Println(string(line))
	return 1
}
