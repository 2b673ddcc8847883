package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	snapshotclient "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned"
	snapshotscheme "github.com/kubernetes-csi/external-snapshotter/client/v8/clientset/versioned/scheme"
	snapshotinformers "github.com/kubernetes-csi/external-snapshotter/client/v8/informers/externalversions"
	snapshotcontroller "github.com/kubernetes-csi/external-snapshotter/v8/pkg/common-controller"
	snapshotmetrics "github.com/kubernetes-csi/external-snapshotter/v8/pkg/metrics"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"
)

// snapshotCRDNames are the three VolumeSnapshot types the snapshot controller needs; the group
// snapshot types are not installed (the operator does not use them), so that feature stays off.
var snapshotCRDNames = []string{
	"volumesnapshotclasses.snapshot.storage.k8s.io",
	"volumesnapshotcontents.snapshot.storage.k8s.io",
	"volumesnapshots.snapshot.storage.k8s.io",
}

// installSnapshotCRDs creates (or updates) the upstream VolumeSnapshot CRDs from dir, the
// config/crd directory of the external-snapshotter client module that `make controlplane` copies
// beside the binary, and waits until the API server serves them.
func installSnapshotCRDs(ctx context.Context, kubeconfig, dir string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	client, err := apiextensionsclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	for _, name := range snapshotCRDNames {
		group, plural := name[strings.Index(name, ".")+1:], name[:strings.Index(name, ".")]
		file := filepath.Join(dir, group+"_"+plural+".yaml")
		data, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("the VolumeSnapshot CRDs: %w (run make controlplane, which copies them from the external-snapshotter client module)", err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(data, &crd); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		// the API server may still be starting: retry until the deadline
		for {
			err = applyCRD(ctx, client, &crd)
			if err == nil {
				break
			}
			if !sleep(ctx, 200*time.Millisecond) {
				return fmt.Errorf("CRD %s: %w", crd.Name, err)
			}
		}
	}
	for _, name := range snapshotCRDNames {
		for {
			crd, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
			if err == nil && established(crd) {
				break
			}
			if !sleep(ctx, 100*time.Millisecond) {
				return fmt.Errorf("CRD %s not established", name)
			}
		}
	}
	return nil
}

func applyCRD(ctx context.Context, client apiextensionsclient.Interface, crd *apiextensionsv1.CustomResourceDefinition) error {
	existing, err := client.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, crd.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = client.ApiextensionsV1().CustomResourceDefinitions().Create(ctx, crd, metav1.CreateOptions{})
	case err == nil:
		update := crd.DeepCopy()
		update.ResourceVersion = existing.ResourceVersion
		_, err = client.ApiextensionsV1().CustomResourceDefinitions().Update(ctx, update, metav1.UpdateOptions{})
	}
	return err
}

func established(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

// runSnapshotController runs the CSI external-snapshotter's common snapshot controller (the
// upstream "snapshot-controller" Deployment): it binds VolumeSnapshots to VolumeSnapshotContents,
// creates contents for new snapshots, and handles deletion and finalizers. The CSI driver's side
// (the csi-snapshotter sidecar, which takes the storage snapshot) is the local cluster's part.
func runSnapshotController(args []string) int {
	fs := flag.NewFlagSet("snapshot-controller", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the controller's user")
	crds := fs.String("crds", "", "directory of the upstream VolumeSnapshot CRDs to install first")
	workers := fs.Int("worker-threads", 10, "number of worker threads")
	resync := fs.Duration("resync-period", 15*time.Minute, "resync interval of the informers")
	klog.InitFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	err := installSnapshotCRDs(ctx, *kubeconfig, *crds)
	cancel()
	if err != nil {
		klog.ErrorS(err, "installing the VolumeSnapshot CRDs")
		return 1
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		klog.ErrorS(err, "kubeconfig")
		return 1
	}
	cfg.QPS, cfg.Burst = 50, 100
	kubeClient, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.ErrorS(err, "client")
		return 1
	}
	snapClient, err := snapshotclient.NewForConfig(cfg)
	if err != nil {
		klog.ErrorS(err, "snapshot client")
		return 1
	}
	if err := snapshotscheme.AddToScheme(scheme.Scheme); err != nil {
		klog.ErrorS(err, "scheme")
		return 1
	}
	factory := snapshotinformers.NewSharedInformerFactory(snapClient, *resync)
	coreFactory := informers.NewSharedInformerFactory(kubeClient, *resync)
	limiter := func() workqueue.TypedRateLimiter[string] {
		return workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Second, 5*time.Minute)
	}
	ctrl := snapshotcontroller.NewCSISnapshotCommonController(
		snapClient, kubeClient,
		factory.Snapshot().V1().VolumeSnapshots(),
		factory.Snapshot().V1().VolumeSnapshotContents(),
		factory.Snapshot().V1().VolumeSnapshotClasses(),
		nil, nil, nil,
		coreFactory.Core().V1().PersistentVolumeClaims(),
		coreFactory.Core().V1().PersistentVolumes(),
		nil,
		snapshotmetrics.NewMetricsManager(),
		*resync,
		limiter(), limiter(), limiter(), limiter(),
		false, // distributed snapshotting: one node
		true,  // prevent volume mode conversion, the upstream default
		false, // volume group snapshots: their CRDs are not installed
	)
	stop := make(chan struct{})
	factory.Start(stop)
	coreFactory.Start(stop)
	go ctrl.Run(*workers, stop, nil)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	close(stop)
	klog.Flush()
	return 0
}
