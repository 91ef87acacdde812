package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/secaudit/auditkit/auditchain"
	"github.com/secaudit/auditkit/slogaudit"
)

// demoKeyName is the NAME of the key pair the demo generates next to the
// chained file when -key is not given: NAME.pem (private, 0600) and
// NAME.pub.pem (public), as auditkit-verify -genkey NAME would write them.
// The name does not start with the chained file's name, so a shell glob
// over the trail (audit.jsonl*) does not pick the keys up.
const demoKeyName = "auditkit-demo-key"

// chainConfig is what -chain, -key and -witness-url ask for.
type chainConfig struct {
	path       string // -chain
	keyFile    string // -key; "" means the demo's own key next to path
	witnessURL string // -witness-url
}

// openedChain is the demo's chained trail and what to tell the user about it.
type openedChain struct {
	chain   *auditchain.Chain
	pubFile string // the public key's file, "" when -key was given
	keyFP   string // auditchain.KeyFingerprint of the signing key
}

// openChain opens cfg.path through auditchain.OpenChain, signed and, with
// -witness-url, witnessed in VictoriaLogs; enc is the handler's Encoder.
func openChain(cfg chainConfig, enc *slogaudit.Encoder) (*openedChain, error) {
	oc := &openedChain{}
	var priv ed25519.PrivateKey
	var err error
	if cfg.keyFile != "" {
		priv, err = readPrivateKey(cfg.keyFile)
	} else {
		priv, oc.pubFile, err = demoKey(filepath.Dir(cfg.path))
	}
	if err != nil {
		return nil, err
	}
	oc.keyFP = auditchain.KeyFingerprint(priv.Public().(ed25519.PublicKey))
	opts := &auditchain.ChainOptions{SigningKey: priv, Encoder: enc}
	if cfg.witnessURL != "" {
		w, err := newVLWitness(cfg.witnessURL, filepath.Base(cfg.path))
		if err != nil {
			return nil, err
		}
		opts.Witness = w
	}
	if oc.chain, err = auditchain.OpenChain(cfg.path, nil, opts); err != nil {
		return nil, err
	}
	return oc, nil
}

func readPrivateKey(name string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("-key: %w", err)
	}
	priv, err := auditchain.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("-key %s: %w", name, err)
	}
	return priv, nil
}

// demoKey returns the demo's signing key from dir/NAME.pem, generating the
// pair (NAME.pem and NAME.pub.pem) on the first run, so that later runs on
// the same file sign with the same key. It returns the public key's file.
func demoKey(dir string) (ed25519.PrivateKey, string, error) {
	privFile := filepath.Join(dir, demoKeyName+".pem")
	pubFile := filepath.Join(dir, demoKeyName+".pub.pem")
	b, err := os.ReadFile(privFile)
	if errors.Is(err, fs.ErrNotExist) {
		// O_EXCL inside: never replace a key that appeared meanwhile.
		if err := auditchain.WriteKeyFiles(filepath.Join(dir, demoKeyName)); err != nil {
			return nil, "", err
		}
		b, err = os.ReadFile(privFile)
	}
	if err != nil {
		return nil, "", err
	}
	priv, err := auditchain.ParsePrivateKeyPEM(b)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", privFile, err)
	}
	// A missing public half (deleted by hand) is written again.
	if _, err := os.Stat(pubFile); errors.Is(err, fs.ErrNotExist) {
		pubPEM, err := auditchain.PublicKeyPEM(priv.Public().(ed25519.PublicKey))
		if err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(pubFile, pubPEM, 0o644); err != nil {
			return nil, "", err
		}
	}
	return priv, pubFile, nil
}

// report tells the user where the trail is and how to verify it.
func (oc *openedChain) report(w io.Writer, cfg chainConfig) {
	pub := oc.pubFile
	if pub == "" {
		pub = "PUBLIC.pem"
	}
	fmt.Fprintf(w, "auditkit-demo: chained trail %s (checkpoints in %s.ckpt), signed by key fingerprint %s\n",
		cfg.path, cfg.path, oc.keyFP)
	if cfg.witnessURL == "" {
		fmt.Fprintf(w, "auditkit-demo: verify: go run ./cmd/auditkit-verify -key %s %s\n", pub, cfg.path)
		return
	}
	base := filepath.Base(cfg.path)
	fmt.Fprintf(w, "auditkit-demo: witness: every checkpoint went to VictoriaLogs with %s=%q; export it with\n"+
		"  curl -s %s --data-urlencode 'query=%s:=%q' > witness.jsonl\n",
		witnessFileField, base, selectURL(cfg.witnessURL), witnessFileField, base)
	fmt.Fprintf(w, "auditkit-demo: verify: go run ./cmd/auditkit-verify -key %s -witness witness.jsonl %s\n", pub, cfg.path)
}

// selectURL returns the LogsQL query endpoint next to an /insert/jsonline URL.
func selectURL(insertURL string) string {
	u, err := url.Parse(insertURL)
	if err != nil {
		return "http://VICTORIALOGS/select/logsql/query"
	}
	u.Path = strings.TrimSuffix(u.Path, "/insert/jsonline") + "/select/logsql/query"
	u.RawQuery, u.User = "", nil
	return u.String()
}
