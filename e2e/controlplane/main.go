// pgclone-controlplane runs a local Kubernetes control plane built from upstream modules: an
// embedded etcd, kube-apiserver, kube-controller-manager and the CSI external-snapshotter's
// snapshot controller (with the upstream VolumeSnapshot CRDs). It is what the project's local cluster
// and end-to-end tests talk to instead of a mock API server: real authentication, RBAC, admission,
// CRD validation, garbage collection, namespaces, ServiceAccount tokens and PV/PVC binding.
//
// Usage:
//
//	pgclone-controlplane --data-dir DIR [--kubeconfig PATH] [--port N] ...
//
// starts everything, prints one JSON line {"status":"ready",...} on standard output once the API
// server is ready and the controllers run, and stops every part on SIGTERM or SIGINT. The API
// server and the controller manager run as child processes of the same binary
// ("pgclone-controlplane kube-apiserver ARGS" and "pgclone-controlplane kube-controller-manager
// ARGS"): each upstream command keeps the process-wide state (flags, feature gates, metrics,
// signal handling) it was written for.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	_ "time/tzdata" // CronJob time zones, as the upstream commands do

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // --logging-format=json
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "kube-apiserver":
			os.Exit(runUpstream(apiserver.NewAPIServerCommand()))
		case "kube-controller-manager":
			os.Exit(runUpstream(controllermanager.NewControllerManagerCommand()))
		case "snapshot-controller":
			os.Exit(runSnapshotController(os.Args[2:]))
		case "version", "--version":
			printVersions()
			return
		}
	}
	os.Exit(supervise(os.Args[1:]))
}

// runUpstream runs an upstream command with the arguments that follow the subcommand's name. Each
// command is built only in its own branch: building the API server's command installs its signal
// handler.
func runUpstream(cmd *cobra.Command) int {
	cmd.SetArgs(os.Args[2:])
	return cli.Run(cmd)
}

// pinnedModules are the upstream modules whose versions this binary reports.
var pinnedModules = []string{"k8s.io/kubernetes", "k8s.io/apiserver", "go.etcd.io/etcd/server/v3", "github.com/kubernetes-csi/external-snapshotter/v8"}

func moduleVersions() map[string]string {
	versions := map[string]string{}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return versions
	}
	for _, dep := range info.Deps {
		v := dep.Version
		if dep.Replace != nil {
			v = dep.Replace.Version
		}
		for _, m := range pinnedModules {
			if dep.Path == m {
				versions[m] = v
			}
		}
	}
	versions["go"] = info.GoVersion
	return versions
}

func printVersions() {
	v := moduleVersions()
	fmt.Printf("pgclone-controlplane: kubernetes %s (k8s.io/apiserver %s), etcd %s, external-snapshotter %s, built with %s\n",
		v["k8s.io/kubernetes"], v["k8s.io/apiserver"], v["go.etcd.io/etcd/server/v3"], v["github.com/kubernetes-csi/external-snapshotter/v8"], v["go"])
}
