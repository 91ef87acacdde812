package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secaudit/auditkit/auditchain"
)

// A file named like a flag, which a shell glob expands after the flags,
// must not override a single-valued flag given before it (the last one
// would win); "--" before the glob makes it a file name.
func TestFlagInjectionThroughAGlob(t *testing.T) {
	dir, _ := setup(t)
	pub := filepath.Join(dir, "ckpt.pub.pem")
	series := rotatedSeries(t, dir)
	// The attacker's key, re-signing a rewritten trail, under a name that
	// ends in .ckpt so that a glob over the directory picks it up.
	evil := filepath.Join(dir, "-key=evil.ckpt")
	evilPub, _, _ := auditchain.GenerateKeyPEM()
	os.WriteFile(evil, evilPub, 0o600)
	os.WriteFile(filepath.Join(dir, "evil.ckpt"), evilPub, 0o600)
	hk := filepath.Join(dir, "hmac.key")
	for _, tt := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"-key twice", append([]string{"-key", pub, "-key=" + filepath.Join(dir, "evil.ckpt")}, series...), exitUsage, "-key given twice"},
		{"-hmac-key-file twice", append([]string{"-key", pub, "-hmac-key-file", hk, "-hmac-key-file", hk}, series...), exitUsage, "-hmac-key-file given twice"},
		{"-max-age twice", append([]string{"-key", pub, "-max-age", "1h", "-max-age=100000h"}, series...), exitUsage, "-max-age given twice"},
		{"-allow-partial-series twice", append([]string{"-key", pub, "-allow-partial-series", "-allow-partial-series"}, series...), exitUsage, "-allow-partial-series given twice"},
		{"-- before the files", append([]string{"-key", pub, "--", evil}, series...), exitOK, "OK: 6 lines in 2 segments"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(tt.args, &out, &out)
			if code != tt.code || !strings.Contains(out.String(), tt.out) {
				t.Errorf("exit %d, want %d; output:\n%s\nwant it to contain %q", code, tt.code, out.String(), tt.out)
			}
		})
	}
}
