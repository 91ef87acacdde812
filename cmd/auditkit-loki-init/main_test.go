package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"crypto/rand"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut, rand.Reader)
	return result{code, out.String(), errOut.String()}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"no DIR", nil, exitUsage, "want one DIR argument"},
		{"two DIRs", []string{dir, dir}, exitUsage, "want one DIR argument"},
		{"flag after DIR", []string{dir, "-overwrite"}, exitUsage, "want one DIR argument"},
		{"unknown flag", []string{"-nope", dir}, exitUsage, "flag provided but not defined"},
		{"flag without value", []string{"-app-label"}, exitUsage, "flag needs an argument"},
		{"empty app label", []string{"-app-label", "", dir}, exitUsage, "-app-label must not be empty"},
		{"empty environment", []string{"-environment=", dir}, exitUsage, "-environment must not be empty"},
		{"empty log path", []string{"-audit-log-path=", dir}, exitUsage, "-audit-log-path must not be empty"},
		{"log path names no file", []string{"-audit-log-path=logs/", dir}, exitUsage, "must name a file"},
		{"log directory is DIR", []string{"-audit-log-path=audit.jsonl", dir}, exitUsage, "a directory of its own"},
		{"empty user", []string{"-grafana-admin-user=", dir}, exitUsage, "-grafana-admin-user must not be empty"},
		{"empty title", []string{"-dashboard-title=", dir}, exitUsage, "-dashboard-title must not be empty"},
		{"empty DIR", []string{""}, exitUsage, "DIR must not be empty"},
		{"invalid UTF-8", []string{"-dashboard-title", "a\xffb", dir}, exitUsage, "-dashboard-title is not valid UTF-8"},
		{"NUL byte", []string{"-grafana-admin-password", "a\x00b", dir}, exitUsage, "-grafana-admin-password contains a NUL byte"},
		{"help", []string{"-h"}, exitOK, "Usage: auditkit-loki-init [flags] DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCmd(t, tt.args...)
			assert.Equal(t, tt.code, r.code)
			assert.Contains(t, r.stderr, tt.wantErr)
			assert.Empty(t, r.stdout)
		})
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a usage error writes nothing")
}

func TestWriteErrorExitsOne(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(blocker, nil, 0o600))
	r := runCmd(t, blocker) // DIR is a regular file
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "auditkit-loki-init:")
	assert.NotContains(t, r.stdout, "Grafana login")
}

func TestRandomFailureExitsOne(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{t.TempDir()}, &out, &errOut, iotest.ErrReader(errors.New("no entropy")))
	assert.Equal(t, exitError, code)
	assert.Contains(t, errOut.String(), "no entropy")
}

// generatedFiles is every file the command writes, relative to DIR.
var generatedFiles = []string{
	"README.md",
	"alloy/config.alloy",
	"alloy/config.stdout.alloy",
	"docker-compose.yml",
	"grafana/dashboards/auditkit-overview.json",
	"grafana/provisioning/dashboards/dashboards.yml",
	"grafana/provisioning/datasources/loki.yml",
	"loki/local-config.yml",
	"loki/queries.md",
	"victorialogs/detect-rules.yml",
	"victorialogs/docker-compose.yml",
	"victorialogs/queries.md",
	"victorialogs/vector.yaml",
}

func TestWritesEveryFileAndReports(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "monitoring") // created on demand
	r := runCmd(t, "-grafana-admin-password", "s3cret", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stderr)

	var want []string
	for _, f := range generatedFiles {
		want = append(want, filepath.Join(dir, filepath.FromSlash(f)))
	}
	lines := strings.Split(r.stdout, "\n")
	require.Greater(t, len(lines), len(want)+2)
	assert.Equal(t, want, lines[:len(want)], "each written path, in order")
	assert.Equal(t, "", lines[len(want)])
	assert.Equal(t, "⚠️  LOCAL-ONLY monitoring stack — do not expose these ports or credentials publicly.", lines[len(want)+1])
	assert.Equal(t, "Grafana login: admin / s3cret", lines[len(want)+2])
	assert.NotContains(t, r.stdout, "generated", "a given password is not called generated")

	for _, f := range generatedFiles {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f)))
		require.NoError(t, err)
		assert.Positive(t, st.Size(), f)
		if f == "docker-compose.yml" {
			assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm(), "the compose file holds the password")
		} else {
			assert.Equal(t, fs.FileMode(0o044), st.Mode().Perm()&0o044, "%s must be readable by the containers", f)
		}
	}
}

func TestGeneratedPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 3 {
		dir := t.TempDir()
		r := runCmd(t, dir)
		require.Equal(t, exitOK, r.code, r.stderr)
		var pw string
		for _, l := range strings.Split(r.stdout, "\n") {
			if p, ok := strings.CutPrefix(l, "Grafana login: admin / "); ok {
				pw = p
			}
		}
		require.Len(t, pw, 22, "16 bytes as unpadded base64: %q", pw)
		raw, err := base64.RawURLEncoding.DecodeString(pw)
		require.NoError(t, err, "URL-safe alphabet")
		assert.Len(t, raw, 16)
		assert.False(t, seen[pw], "a fresh password each run")
		seen[pw] = true
		assert.Equal(t, 1, strings.Count(r.stdout, pw), "printed once")
		assert.Contains(t, r.stdout, "The password was generated: store it now")

		compose, err := os.ReadFile(filepath.Join(dir, "docker-compose.yml"))
		require.NoError(t, err)
		assert.Contains(t, string(compose), `GF_SECURITY_ADMIN_PASSWORD: "`+pw+`"`)
	}
}

func TestNewPasswordReadsSixteenBytes(t *testing.T) {
	pw, err := newPassword(bytes.NewReader(bytes.Repeat([]byte{0xfb}, 16)))
	require.NoError(t, err)
	assert.Equal(t, "-_v7-_v7-_v7-_v7-_v7-w", pw, "URL-safe alphabet, no padding")
	_, err = newPassword(bytes.NewReader(make([]byte, 15)))
	assert.Error(t, err, "a short read is an error, not a weak password")
}

func TestKeepsExistingFilesUnlessOverwrite(t *testing.T) {
	dir := t.TempDir()
	compose := filepath.Join(dir, "docker-compose.yml")
	queries := filepath.Join(dir, "loki", "queries.md")
	require.NoError(t, os.MkdirAll(filepath.Dir(queries), 0o755))
	require.NoError(t, os.WriteFile(compose, []byte("mine\n"), 0o600))
	require.NoError(t, os.WriteFile(queries, []byte("my notes\n"), 0o644))

	r := runCmd(t, "-grafana-admin-password", "new-pass", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "kept "+compose+" (exists; -overwrite replaces it)\n")
	assert.Contains(t, r.stdout, "kept "+queries+" (exists; -overwrite replaces it)\n")
	assert.NotContains(t, r.stdout, "\n"+compose+"\n", "a kept file is not listed as written")
	assert.Contains(t, r.stdout, filepath.Join(dir, "alloy", "config.alloy")+"\n")
	assert.NotContains(t, r.stdout, "new-pass", "the kept compose file's credentials apply, not the new ones")
	assert.Contains(t, r.stdout, "Grafana login: unchanged: docker-compose.yml was kept")
	assertFile(t, compose, "mine\n")
	assertFile(t, queries, "my notes\n")

	// A second run keeps everything the first one wrote.
	before := readAll(t, dir)
	r = runCmd(t, dir)
	require.Equal(t, exitOK, r.code)
	assert.Equal(t, len(generatedFiles), strings.Count(r.stdout, "\nkept ")+boolInt(strings.HasPrefix(r.stdout, "kept ")))
	assert.Equal(t, before, readAll(t, dir))

	r = runCmd(t, "-overwrite", "-grafana-admin-password", "new-pass", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "kept ")
	assert.Contains(t, r.stdout, "\n"+compose+"\n")
	assert.Contains(t, r.stdout, "Grafana login: admin / new-pass\n")
	got, err := os.ReadFile(compose)
	require.NoError(t, err)
	assert.Contains(t, string(got), `GF_SECURITY_ADMIN_PASSWORD: "new-pass"`)
	st, err := os.Stat(compose)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o600), st.Mode().Perm())
	assert.NotEqual(t, "my notes\n", readAll(t, dir)["loki/queries.md"])

	leftovers, err := filepath.Glob(filepath.Join(dir, ".*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers, "no temporary files left behind")
}

func TestOverwriteReplacesSymlinkNotTarget(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "elsewhere.md")
	require.NoError(t, os.WriteFile(target, []byte("precious\n"), 0o644))
	require.NoError(t, os.Symlink(target, filepath.Join(dir, "README.md")))
	r := runCmd(t, "-overwrite", dir)
	require.Equal(t, exitOK, r.code, r.stderr)
	assertFile(t, target, "precious\n")
	st, err := os.Lstat(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	assert.True(t, st.Mode().IsRegular())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func assertFile(t *testing.T, name, want string) {
	t.Helper()
	got, err := os.ReadFile(name)
	require.NoError(t, err)
	assert.Equal(t, want, string(got), name)
}

// readAll returns every regular file under dir by slash path.
func readAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = string(b)
		return err
	})
	require.NoError(t, err)
	return files
}
