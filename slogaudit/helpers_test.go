package slogaudit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secaudit/auditkit/internal/trusted"
)

// Fixed clocks: the record time and the handler's observed time.
var (
	recTime = time.Unix(0, 1712345678000000000)
	obsTime = time.Unix(0, 1712345678000001000)
)

func fixedNow() time.Time { return obsTime }

// withClock returns o (or a new Options) with the fixed clock set.
func withClock(o *Options) *Options {
	if o == nil {
		o = &Options{}
	}
	c := *o
	c.Now = fixedNow
	if c.OnError == nil {
		c.OnError = func(error) {} // tests that check errors set their own
	}
	return &c
}

// lineBuffer collects written lines; it is safe for concurrent use and counts
// Write calls.
type lineBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
}

func (b *lineBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	return b.buf.Write(p)
}

func (b *lineBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// handleOne sends one record through h and returns the single line it wrote,
// without its newline. It fails the test unless exactly one Write of one
// newline-terminated line happened.
func handleOne(t *testing.T, h slog.Handler, buf *lineBuffer, ctx context.Context, r slog.Record) string {
	t.Helper()
	before := buf.writes
	out0 := len(buf.String())
	if err := h.Handle(ctx, r); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if buf.writes != before+1 {
		t.Fatalf("Handle made %d writes, want 1", buf.writes-before)
	}
	line := buf.String()[out0:]
	if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		t.Fatalf("not one newline-terminated line: %q", line)
	}
	line = strings.TrimSuffix(line, "\n")
	checkJSON(t, line)
	return line
}

// checkJSON fails unless line is one valid JSON object with no duplicate key
// in any object.
func checkJSON(t testing.TB, line string) {
	t.Helper()
	if err := validateNoDup(line); err != nil {
		t.Fatalf("%v in %s", err, line)
	}
}

// validateNoDup walks the JSON tokens of s and reports invalid JSON, trailing
// data and duplicate keys in any object.
func validateNoDup(s string) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if seen[key] {
					return fmt.Errorf("duplicate key %q", key)
				}
				seen[key] = true
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if !strings.HasPrefix(s, "{") {
		return errors.New("line is not a JSON object")
	}
	if err := walk(); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the object")
	}
	return nil
}

// parseLine decodes a line into a map.
func parseLine(t testing.TB, line string) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("invalid JSON %q: %v", line, err)
	}
	return m
}

// envelope builds the expected line for the default test handler (service
// billing, default scope) from its variable parts. eventName is "" when the
// record has no event_type.
func envelope(level string, sev int, body, attrs, eventName string) string {
	s := fmt.Sprintf(`{"timestamp":1712345678000000000,"observed_timestamp":1712345678000001000,`+
		`"severity_text":%q,"severity_number":%d,"body":%q,`+
		`"resource":{"service.name":"billing"},`+
		`"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},`+
		`"attributes":%s`, level, sev, body, attrs)
	if eventName != "" {
		s += fmt.Sprintf(`,"event_name":%q`, eventName)
	}
	return s + "}"
}

func record(level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(recTime, level, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

// runtimeCaller reports the caller's position.
func runtimeCaller() (uintptr, string, int, bool) { return runtime.Caller(1) }

// producedValue stands for a value the library computes itself (httpaudit's
// request id, its parsed addresses): it carries internal/trusted's mark, so
// the handler writes it without redaction.
type producedValue struct {
	trusted.Mark
	s string
}

func (v producedValue) LogValue() slog.Value { return slog.StringValue(v.s) }

// produced is a request-scope attribute with a library-produced value.
func produced(key, value string) slog.Attr { return slog.Any(key, producedValue{s: value}) }

// testJWT is a well-formed JSON Web Token, caught by the default detectors.
const testJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz"

// Keys that httpaudit and modelaudit declare, for records built here.
const (
	keyDurationNS     = "duration_ns"
	keyHTTPMethod     = "http.request.method"
	keyHTTPRoute      = "http.route"
	keyHTTPStatusCode = "http.response.status_code"
	keyURLPath        = "url.path"
	keyURLScheme      = "url.scheme"
)
