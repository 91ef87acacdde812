package authaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"runtime"
	"testing"

	"github.com/secaudit/auditkit/authaudit"
)

// TestAddSourceNamesCallSite checks, through slog's own JSON handler, that
// AddSource reports the line that called the helper, for package functions
// and methods alike.
func TestAddSourceNamesCallSite(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true}))
	setDefault(t, l)
	lg := authaudit.New(l)
	ctx := context.Background()

	var lines []int
	here := func() int { _, _, line, _ := runtime.Caller(1); return line }

	lines = append(lines, here()+1)
	authaudit.LoginFailed(ctx, "maya", authaudit.ReasonBadPassword)
	lines = append(lines, here()+1)
	lg.LoginFailed(ctx, "maya", authaudit.ReasonBadPassword)
	lines = append(lines, here()+1)
	authaudit.LoginSucceeded(ctx, "42")
	lines = append(lines, here()+1)
	lg.AccessDenied(ctx, "42", "/admin")
	lines = append(lines, here()+1)
	authaudit.SessionUsedAfterExpiry(ctx, "42")

	_, file, _, _ := runtime.Caller(0)
	dec := json.NewDecoder(&buf)
	for i, want := range lines {
		var rec struct {
			Source struct {
				Function string `json:"function"`
				File     string `json:"file"`
				Line     int    `json:"line"`
			} `json:"source"`
		}
		if err := dec.Decode(&rec); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if rec.Source.File != file || rec.Source.Line != want {
			t.Errorf("record %d: source %s:%d (%s), want %s:%d",
				i, rec.Source.File, rec.Source.Line, rec.Source.Function, file, want)
		}
		if rec.Source.Function != "github.com/secaudit/auditkit/authaudit_test.TestAddSourceNamesCallSite" {
			t.Errorf("record %d: function %q", i, rec.Source.Function)
		}
	}
	if dec.More() {
		t.Error("more records than calls")
	}
}
