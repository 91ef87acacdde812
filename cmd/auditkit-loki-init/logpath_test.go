package main

import (
	"path"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplitLogPath(t *testing.T) {
	for _, c := range []struct{ in, dir, name string }{
		{"../logs/audit.jsonl", "../logs", "audit.jsonl"},
		{"/var/log/app/audit.jsonl", "/var/log/app", "audit.jsonl"},
		{"/audit.jsonl", "/", "audit.jsonl"},
		{"audit.jsonl", ".", "audit.jsonl"},
		{"logs//a b", "logs/", "a b"},
		{"~/logs/x", "~/logs", "x"},
		{"logs/", "logs", ""},
	} {
		dir, name := splitLogPath(c.in)
		assert.Equal(t, c.dir, dir, c.in)
		assert.Equal(t, c.name, name, c.in)
	}
}

func TestCheckLogPath(t *testing.T) {
	for _, ok := range []string{"../logs/audit.jsonl", "/var/log/app/audit.jsonl", "logs/audit.jsonl", "~/audit.jsonl", "/audit.jsonl"} {
		assert.NoError(t, checkLogPath(ok), ok)
	}
	for _, bad := range []string{"audit.jsonl", "./audit.jsonl", "logs/../audit.jsonl", "logs/", "logs/.", "logs/..", "/"} {
		assert.Error(t, checkLogPath(bad), bad)
	}
}

// globNames are file names with every character a glob syntax treats
// specially.
var globNames = []string{
	"audit.jsonl", "a*b", "a?b", "[abc]", "x]y", "{a,b}", `back\slash`, "**", "[!x]", "a-b^c", "$HOME", "-", "[]]",
}

// The Alloy pattern (doublestar, whose escapes are path.Match's) matches
// exactly the file in the mounted directory.
func TestAlloyGlobMatchesOnlyTheFile(t *testing.T) {
	for _, name := range globNames {
		pattern := logMount + "/" + alloyGlob(name)
		ok, err := path.Match(pattern, logMount+"/"+name)
		require.NoError(t, err, pattern)
		assert.True(t, ok, "%q does not match %q", pattern, name)
		for _, other := range []string{name + ".ckpt", name + ".lock", "x" + name, name + "-20260101"} {
			ok, _ := path.Match(pattern, logMount+"/"+other)
			assert.False(t, ok, "%q matches %q", pattern, other)
		}
	}
}

var reAlloyPath = regexp.MustCompile(`"__path__" = ("(?:[^"\\]|\\.)*")`)

// The generated config.alloy carries the pattern through Alloy's string
// quoting.
func TestAlloyConfigPath(t *testing.T) {
	for _, name := range globNames {
		dir := t.TempDir()
		r := runCmd(t, "-grafana-admin-password", "pw", "-audit-log-path", "/var/log/app/"+name, dir)
		require.Equal(t, exitOK, r.code, r.stderr)
		m := reAlloyPath.FindStringSubmatch(readAll(t, dir)["alloy/config.alloy"])
		require.NotNil(t, m, name)
		pattern, err := strconv.Unquote(m[1])
		require.NoError(t, err)
		ok, err := path.Match(pattern, logMount+"/"+name)
		require.NoError(t, err)
		assert.True(t, ok, "%q does not match %q", pattern, name)
	}
}
