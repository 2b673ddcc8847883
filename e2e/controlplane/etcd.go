package main

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// embeddedEtcd is a single-member etcd inside the supervisor's process, listening on 127.0.0.1
// only, without TLS: nothing but the API server on this machine talks to it.
type embeddedEtcd struct {
	server    *embed.Etcd
	clientURL string
}

func startEtcd(dir string, clientPort int, noFsync bool, logFile string) (*embeddedEtcd, error) {
	var err error
	if clientPort == 0 {
		if clientPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	clientURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(clientPort)}
	peerURL := url.URL{Scheme: "http", Host: "127.0.0.1:" + strconv.Itoa(peerPort)}

	cfg := embed.NewConfig()
	cfg.Name = "pgclone"
	cfg.Dir = dir
	cfg.ListenClientUrls = []url.URL{clientURL}
	cfg.AdvertiseClientUrls = []url.URL{clientURL}
	cfg.ListenPeerUrls = []url.URL{peerURL}
	cfg.AdvertisePeerUrls = []url.URL{peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = noFsync
	// keep the history the API server's watch caches need, not more
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "5m"
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{logFile}

	server, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-server.Server.ReadyNotify():
	case err := <-server.Err():
		server.Close()
		return nil, err
	case <-time.After(60 * time.Second):
		server.Close()
		return nil, fmt.Errorf("not ready within 60s")
	}
	return &embeddedEtcd{server: server, clientURL: clientURL.String()}, nil
}

func (e *embeddedEtcd) errors() <-chan error { return e.server.Err() }

func (e *embeddedEtcd) close() { e.server.Close() }
