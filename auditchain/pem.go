package auditchain

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// GenerateKeyPEM makes an Ed25519 key pair for signing checkpoints: the
// public key as PKIX PEM ("PUBLIC KEY", what auditkit-verify -key reads) and
// the private key as PKCS #8 PEM ("PRIVATE KEY").
func GenerateKeyPEM() (publicPEM, privatePEM []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("auditchain: %w", err)
	}
	if publicPEM, err = PublicKeyPEM(pub); err != nil {
		return nil, nil, err
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("auditchain: %w", err)
	}
	return publicPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), nil
}

// PublicKeyPEM encodes pub as PKIX PEM ("PUBLIC KEY"), what auditkit-verify
// -key reads.
func PublicKeyPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("auditchain: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// WriteKeyFiles generates a key pair and writes it to name+".pem" (the
// private key, mode 0600) and name+".pub.pem" (mode 0644). Neither file may
// exist: a key that may already sign a trail is never replaced.
func WriteKeyFiles(name string) error {
	pub, priv, err := GenerateKeyPEM()
	if err == nil {
		err = writeNew(name+".pem", priv, 0o600)
	}
	if err == nil {
		err = writeNew(name+".pub.pem", pub, 0o644)
	}
	return err
}

// writeNew creates path with data, failing if it exists (O_EXCL).
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("auditchain: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("auditchain: %w", err)
	}
	return f.Close()
}

// ParsePublicKeyPEM reads an Ed25519 public key in PKIX PEM form.
func ParsePublicKeyPEM(data []byte) (ed25519.PublicKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" {
		return nil, errors.New("auditchain: no PEM PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auditchain: %w", err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("auditchain: public key is %T, not Ed25519", k)
	}
	return pub, nil
}

// ParsePrivateKeyPEM reads an Ed25519 private key in PKCS #8 PEM form.
func ParsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, errors.New("auditchain: no PEM PRIVATE KEY block")
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("auditchain: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("auditchain: private key is %T, not Ed25519", k)
	}
	return priv, nil
}
