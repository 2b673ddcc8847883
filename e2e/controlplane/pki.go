package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki holds the paths of the key material of one data directory: a CA, the API server's serving
// certificate, client certificates for the admin and the controller manager, and the
// ServiceAccount signing key pair. They are made on the first start in a data directory and kept
// with it, so a restart on the same data keeps kubeconfigs and ServiceAccount tokens valid.
type pki struct {
	dir string

	caCert, caKey                       string
	servingCert, servingKey             string
	adminCert, adminKey                 string
	controllerMgrCert, controllerMgrKey string
	saPublicKey, saPrivateKey           string
}

// certificate lifetime: long enough for a sandbox left running for days, short enough that a copy
// of the key material is worth nothing later.
const certLifetime = 30 * 24 * time.Hour

// serviceIP, the "kubernetes" Service's cluster IP, is one of the serving certificate's names.
func loadOrCreatePKI(dir, serviceIP string) (*pki, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p := &pki{dir: dir}
	p.caCert, p.caKey = filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	p.servingCert, p.servingKey = filepath.Join(dir, "apiserver.crt"), filepath.Join(dir, "apiserver.key")
	p.adminCert, p.adminKey = filepath.Join(dir, "admin.crt"), filepath.Join(dir, "admin.key")
	p.controllerMgrCert, p.controllerMgrKey = filepath.Join(dir, "controller-manager.crt"), filepath.Join(dir, "controller-manager.key")
	p.saPublicKey, p.saPrivateKey = filepath.Join(dir, "sa.pub"), filepath.Join(dir, "sa.key")
	// sa.pub is written last: its presence means a complete set
	if _, err := os.Stat(p.saPublicKey); err == nil {
		return p, nil
	}

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "pgclone-controlplane-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	if err := writeCertAndKey(p.caCert, p.caKey, caDER, caKey); err != nil {
		return nil, err
	}

	// the serving certificate names every address a client on this machine, or a Pod resolving
	// the in-cluster name, may use
	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		DNSNames:    []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP(serviceIP)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if err := issue(ca, caKey, serving, p.servingCert, p.servingKey); err != nil {
		return nil, err
	}
	// system:masters is bound to cluster-admin by the default RBAC policy
	admin := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "pgclone-admin", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := issue(ca, caKey, admin, p.adminCert, p.adminKey); err != nil {
		return nil, err
	}
	// the controller manager gets the identity the default RBAC policy grants it, not admin: it
	// then asks for a token of each controller's own ServiceAccount
	cm := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "system:kube-controller-manager"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if err := issue(ca, caKey, cm, p.controllerMgrCert, p.controllerMgrKey); err != nil {
		return nil, err
	}

	// ServiceAccount tokens: the API server signs with the private key (TokenRequest) and the
	// token controller signs legacy Secret tokens with the same key; both verify with the public one
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.saPrivateKey, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey), 0o600); err != nil {
		return nil, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := writePEM(p.saPublicKey, "PUBLIC KEY", pub, 0o644); err != nil {
		return nil, err
	}
	return p, nil
}

func issue(ca *x509.Certificate, caKey crypto.Signer, t *x509.Certificate, certPath, keyPath string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	t.SerialNumber = serial()
	t.NotBefore = now.Add(-time.Hour)
	t.NotAfter = now.Add(certLifetime)
	t.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
	der, err := x509.CreateCertificate(rand.Reader, t, ca, key.Public(), caKey)
	if err != nil {
		return fmt.Errorf("certificate %s: %w", t.Subject.CommonName, err)
	}
	return writeCertAndKey(certPath, keyPath, der, key)
}

func writeCertAndKey(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	if err := writePEM(certPath, "CERTIFICATE", der, 0o644); err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(keyPath, "EC PRIVATE KEY", keyDER, 0o600)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}
