package slogaudit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// errorCollector is an OnError that keeps every error.
type errorCollector struct {
	mu   sync.Mutex
	errs []error
}

func (c *errorCollector) add(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, err)
}

func (c *errorCollector) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var s []string
	for _, e := range c.errs {
		s = append(s, e.Error())
	}
	return strings.Join(s, "\n")
}

// flakyWriter fails, writes short or panics on the calls listed, and keeps
// what it accepted.
type flakyWriter struct {
	bytes.Buffer
	calls int
	fail  map[int]string // call number → "error", "short" or "panic"
}

var errDisk = errors.New("disk full")

func (w *flakyWriter) Write(p []byte) (int, error) {
	w.calls++
	switch w.fail[w.calls] {
	case "error":
		return 0, errDisk
	case "short":
		w.Buffer.Write(p[:len(p)/2])
		return len(p) / 2, nil
	case "panic":
		panic("writer exploded")
	}
	return w.Buffer.Write(p)
}

func TestWriterFailures(t *testing.T) {
	for _, mode := range []string{"error", "short", "panic"} {
		t.Run(mode, func(t *testing.T) {
			w := &flakyWriter{fail: map[int]string{2: mode}}
			var ec errorCollector
			h := NewHandler(w, withClock(&Options{OnError: ec.add}))
			ctx := context.Background()
			for i := range 3 {
				err := h.Handle(ctx, record(slog.LevelInfo, fmt.Sprint("m", i)))
				if (i == 1) != (err != nil) {
					t.Fatalf("record %d: err = %v", i, err)
				}
				if i == 1 && mode == "error" && !errors.Is(err, errDisk) {
					t.Errorf("err = %v, want the writer's error", err)
				}
				if i == 1 && mode == "short" && !errors.Is(err, io.ErrShortWrite) {
					t.Errorf("err = %v, want io.ErrShortWrite", err)
				}
			}
			if n := len(ec.errs); n != 1 {
				t.Fatalf("OnError called %d times, want 1: %s", n, ec.text())
			}
			// The line after a failure starts with a newline, so every
			// complete line still parses.
			out := w.String()
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			var complete int
			for _, l := range lines {
				if validateNoDup(l) == nil {
					complete++
				}
			}
			if complete != 2 {
				t.Errorf("%d complete lines, want 2, in:\n%s", complete, out)
			}
			if !strings.HasSuffix(lines[len(lines)-1], `"body":"m2","resource":{"service.name":"unknown_service"},"instrumentation_scope":{"name":"github.com/secaudit/auditkit/slogaudit"},"attributes":{"schema_version":"1.0"}}`) {
				t.Errorf("last line = %s", lines[len(lines)-1])
			}
		})
	}
}

func TestTornLineSeparated(t *testing.T) {
	w := &flakyWriter{fail: map[int]string{1: "short"}}
	h := NewHandler(w, withClock(nil))
	_ = h.Handle(context.Background(), record(slog.LevelInfo, "first"))
	_ = h.Handle(context.Background(), record(slog.LevelInfo, "second"))
	out := w.String()
	first, second, ok := strings.Cut(out, "\n")
	if !ok || validateNoDup(first) == nil || validateNoDup(strings.TrimSuffix(second, "\n")) != nil {
		t.Errorf("torn line not kept apart: %q", out)
	}
}

func TestStderrNoteRateLimited(t *testing.T) {
	w := &flakyWriter{fail: map[int]string{1: "error", 2: "error", 3: "error"}}
	h := NewHandler(w, &Options{})
	var note bytes.Buffer
	h.c.stderr = &note
	for range 3 {
		_ = h.Handle(context.Background(), record(slog.LevelInfo, "m"))
	}
	if got := strings.Count(note.String(), "disk full"); got != 1 {
		t.Errorf("stderr notes = %d, want 1: %q", got, note.String())
	}
}

// recordWriter implements RecordWriter and LineReserver.
type recordWriter struct {
	levels  []slog.Level
	audit   []bool
	lines   []string
	reserve int
}

func (w *recordWriter) Write(p []byte) (int, error) { panic("Write called instead of WriteRecord") }
func (w *recordWriter) WriteRecord(l slog.Level, audit bool, line []byte) error {
	w.levels, w.audit, w.lines = append(w.levels, l), append(w.audit, audit), append(w.lines, string(line))
	return nil
}
func (w *recordWriter) ReservedBytes() int { return w.reserve }

func TestRecordWriterAndReserve(t *testing.T) {
	w := &recordWriter{reserve: 1024 - 600}
	h := NewHandler(w, withClock(&Options{Limits: Limits{MaxRecordBytes: 1024}}))
	ctx := context.Background()
	_ = h.Handle(ctx, record(slog.LevelWarn, "m", slog.String(KeyEventType, "auth.login.failed")))
	_ = h.Handle(ctx, record(slog.LevelInfo, "m", slog.String("x", strings.Repeat("y", 700))))
	if len(w.lines) != 2 || w.levels[0] != slog.LevelWarn || !w.audit[0] || w.audit[1] {
		t.Fatalf("levels %v audit %v", w.levels, w.audit)
	}
	for _, l := range w.lines {
		if len(l) > 600 || !strings.HasSuffix(l, "\n") {
			t.Errorf("line of %d bytes exceeds 1024-reserve: %q", len(l), l)
		}
	}
}

type panicValuer struct{}

func (panicValuer) LogValue() slog.Value { panic("secret-in-panic LogValue") }

type panicJSON struct{}

func (panicJSON) MarshalJSON() ([]byte, error) { panic("secret-in-panic MarshalJSON") }

type panicString struct{}

func (panicString) String() string { panic("secret-in-panic String") }

type panicError struct{}

func (panicError) Error() string { panic("secret-in-panic Error") }

func TestPanickingValues(t *testing.T) {
	var ec errorCollector
	var buf lineBuffer
	h := NewHandler(&buf, withClock(&Options{ServiceName: "billing", OnError: ec.add,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "boom" {
				panic("secret-in-panic ReplaceAttr")
			}
			return a
		}}))
	ctx := ContextWithAttrs(context.Background(), slog.Any(KeyRequestID, panicValuer{}))
	got := handleOne(t, h, &buf, ctx, record(slog.LevelInfo, "msg",
		slog.Any("lv", panicValuer{}), slog.Any("json", panicJSON{}), slog.Any("str", panicString{}),
		slog.Any("err", panicError{}), slog.String("boom", "x"), slog.Any("list", []any{panicString{}}),
	))
	want := envelope("INFO", 9, "msg", `{"schema_version":"1.0","request_id":"[PANIC]","lv":"[PANIC]","json":"[PANIC]","str":"[PANIC]","err":"[PANIC]","boom":"[PANIC]","list":["[PANIC]"]}`, "")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	errs := ec.text()
	for _, where := range []string{"LogValue", "MarshalJSON", "String", "Error", "ReplaceAttr"} {
		if !strings.Contains(errs, "secret-in-panic "+where) {
			t.Errorf("OnError did not get the %s panic: %s", where, errs)
		}
	}
}

func TestCancelledContextStillLogs(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, withClock(&Options{ServiceName: "billing"}))
	ctx, cancel := context.WithCancel(ContextWithAttrs(context.Background(), slog.String(KeyRequestID, "r")))
	cancel()
	got := handleOne(t, h, &buf, ctx, record(slog.LevelInfo, "msg"))
	if want := envelope("INFO", 9, "msg", `{"schema_version":"1.0","request_id":"r"}`, ""); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// lineChecker fails the test on any Write that is not exactly one complete,
// valid line, and counts lines per goroutine id.
type lineChecker struct {
	t      *testing.T
	mu     sync.Mutex
	inside bool
	counts map[string]int
}

func (w *lineChecker) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.inside {
		w.t.Error("concurrent Write calls")
	}
	w.inside = true
	w.mu.Unlock()
	defer func() { w.mu.Lock(); w.inside = false; w.mu.Unlock() }()
	line := string(p)
	if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
		w.t.Errorf("write is not one line: %q", line)
		return len(p), nil
	}
	if !json.Valid(p) {
		w.t.Errorf("invalid JSON: %q", line)
	}
	// The goroutine id is the value of w.g (a plain number, no escaping).
	_, rest, _ := strings.Cut(line, `"w.g":"`)
	g, _, _ := strings.Cut(rest, `"`)
	w.mu.Lock()
	w.counts[g]++
	w.mu.Unlock()
	return len(p), nil
}

func TestConcurrentClones(t *testing.T) {
	const goroutines, records = 32, 5000
	w := &lineChecker{t: t, counts: map[string]int{}}
	base := NewHandler(w, nil)
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := base.WithGroup("w").WithAttrs([]slog.Attr{slog.String("g", fmt.Sprint(i))})
			l := slog.New(h)
			for j := range records {
				l.Info("m", "j", j, "event_type", "test.concurrent", slog.Group("x", "y", strings.Repeat("z", j%50)))
			}
		}()
	}
	wg.Wait()
	if len(w.counts) != goroutines {
		t.Fatalf("lines from %d goroutines, want %d", len(w.counts), goroutines)
	}
	for g, n := range w.counts {
		if n != records {
			t.Errorf("goroutine %s: %d lines, want %d", g, n, records)
		}
	}
}

// TestLinesParseWithScanner reads output the way a shipper does: line by
// line, with hostile values in every position.
func TestLinesParseWithScanner(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, withClock(nil))
	hostile := "a\nb\r\nc\u2028d\u2029e\x00\xfe\"}\n{"
	l := slog.New(h.WithGroup(hostile))
	l.Info(hostile, hostile, hostile, slog.Group(hostile, hostile, []string{hostile}))
	l.Info("second")
	sc := bufio.NewScanner(strings.NewReader(buf.String()))
	n := 0
	for sc.Scan() {
		n++
		checkJSON(t, sc.Text())
	}
	if n != 2 {
		t.Errorf("%d lines, want 2", n)
	}
}

func TestMaxRecordBytes(t *testing.T) {
	ctx := ContextWithAttrs(context.Background(), slog.String(KeyRequestID, "req-1"))
	newH := func(buf *lineBuffer, o Options) slog.Handler {
		o.Limits.MaxRecordBytes = 1024
		o.ServiceName = "billing"
		return NewHandler(buf, withClock(&o))
	}
	t.Run("halves long strings", func(t *testing.T) {
		var buf lineBuffer
		got := handleOne(t, newH(&buf, Options{}), &buf, ctx, record(slog.LevelInfo, "msg",
			slog.String(KeyEventType, "e"), slog.String("big", strings.Repeat("x", 3000)), slog.String("small", "s")))
		if len(got)+1 > 1024 {
			t.Fatalf("line of %d bytes", len(got)+1)
		}
		want := envelope("INFO", 9, "msg", `{"event_type":"e","schema_version":"1.0","request_id":"req-1","big":"`+
			strings.Repeat("x", 375)+`[TRUNCATED]","small":"s"}`, "e")
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("halves With strings too", func(t *testing.T) {
		var buf lineBuffer
		h := newH(&buf, Options{}).WithAttrs([]slog.Attr{slog.String("big", strings.Repeat("x", 3000))})
		got := handleOne(t, h, &buf, ctx, record(slog.LevelInfo, "msg"))
		if len(got)+1 > 1024 || !strings.Contains(got, `"big":"xxx`) || !strings.Contains(got, `x[TRUNCATED]"`) {
			t.Errorf("got %d bytes: %s", len(got)+1, got)
		}
	})
	t.Run("drops largest attributes", func(t *testing.T) {
		var buf lineBuffer
		var attrs []slog.Attr
		for i := range 60 {
			attrs = append(attrs, slog.String(fmt.Sprintf("k%02d", i), strings.Repeat("v", 10+i%20)))
		}
		attrs = append(attrs, slog.String(KeyEventType, "e"))
		got := handleOne(t, newH(&buf, Options{}), &buf, ctx, record(slog.LevelInfo, "msg", attrs...))
		if len(got)+1 > 1024 {
			t.Fatalf("line of %d bytes", len(got)+1)
		}
		a := parseLine(t, got)[KeyAttributes].(map[string]any)
		dropped, _ := a[KeyDroppedAttributes].(interface{ Int64() (int64, error) })
		if dropped == nil {
			t.Fatalf("no %s in %s", KeyDroppedAttributes, got)
		}
		n, _ := dropped.Int64()
		kept := 0
		minKept := 100
		for k, v := range a {
			if strings.HasPrefix(k, "k") {
				kept++
				minKept = min(minKept, len(v.(string)))
			}
		}
		if kept+int(n) != 60 || a[KeyEventType] != "e" || a[KeyRequestID] != "req-1" {
			t.Errorf("kept %d + dropped %d != 60, or library keys lost: %s", kept, n, got)
		}
		// Largest first: nothing dropped is shorter than what was kept...
		// the kept values are the shortest ones.
		if minKept != 10 {
			t.Errorf("the shortest values were dropped: %s", got)
		}
	})
	t.Run("fallback record", func(t *testing.T) {
		var buf lineBuffer
		got := handleOne(t, newH(&buf, Options{Scope: Scope{Name: "s", Version: "v"}}), &buf, ctx, record(slog.LevelWarn, "msg",
			slog.String(KeyEventType, strings.Repeat("E", 2000)), slog.String("secret_data", "x")))
		want := `{"timestamp":1712345678000000000,"observed_timestamp":1712345678000001000,"severity_text":"ERROR","severity_number":17,` +
			`"body":"audit.logging.malformed_record","resource":{"service.name":"billing"},"instrumentation_scope":{"name":"s","version":"v"},` +
			`"attributes":{"event_type":"audit.logging.malformed_record","schema_version":"1.0","request_id":"req-1",` +
			`"audit.original_event_type":"` + strings.Repeat("E", 128) + `[TRUNCATED]"},"event_name":"audit.logging.malformed_record"}`
		if got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
	t.Run("fallback fits a tiny budget", func(t *testing.T) {
		w := &recordWriter{reserve: 1024 - 300}
		h := NewHandler(w, withClock(&Options{ServiceName: strings.Repeat("\x01", 300), Limits: Limits{MaxRecordBytes: 1}}))
		_ = h.Handle(ctx, record(slog.LevelInfo, "msg", slog.String(KeyEventType, "e")))
		if len(w.lines) != 1 || len(w.lines[0]) > 300 || validateNoDup(strings.TrimSuffix(w.lines[0], "\n")) != nil {
			t.Errorf("fallback line %q", w.lines)
		}
		if !w.audit[0] {
			t.Error("the fallback record, which carries event_type, is not reported as an audit event")
		}
	})
}

func TestObservedTimestampUsesClock(t *testing.T) {
	var buf lineBuffer
	h := NewHandler(&buf, &Options{Now: func() time.Time { return time.Unix(5, 0) }})
	got := handleOne(t, h, &buf, context.Background(), slog.Record{Message: "m"})
	if !strings.HasPrefix(got, `{"observed_timestamp":5000000000,`) {
		t.Errorf("got %s", got)
	}
}

type node struct {
	Name string `json:"name"`
	Next *node  `json:"next"`
	Any  any    `json:"any,omitempty"`
}

func TestCyclicValues(t *testing.T) {
	a := &node{Name: "a"}
	a.Next = a
	var self any
	self = &self
	m := map[string]any{}
	m["m"] = m
	for _, depth := range []int{0, 1 << 30} {
		var buf lineBuffer
		h := NewHandler(&buf, withClock(&Options{Limits: Limits{MaxDepth: depth, MaxRecordBytes: 1 << 20}}))
		got := handleOne(t, h, &buf, context.Background(), record(slog.LevelInfo, "m",
			slog.Any("cycle", a), slog.Any("self", self), slog.Any("map", m)))
		if !strings.Contains(got, `"cycle":{"name":"a","next":{"name":"a","next":`) || !strings.Contains(got, TruncatedMarker) {
			t.Errorf("MaxDepth %d: %.300s", depth, got)
		}
	}
}

// What ReplaceAttr returns never names the event or its scope, even inlined
// through an empty-named group, and a ReplaceAttr that wraps every attribute
// in such a group ends (slog itself would recurse until the stack overflows).
func TestReplaceAttrGroupsCannotRelabelOrRecurse(t *testing.T) {
	tests := map[string]func([]string, slog.Attr) slog.Attr{
		"relabel through an empty group": func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == "x" {
				return slog.Group("", slog.String(KeyEventType, "x.evil"), slog.String(KeyScopeName, "x.evil"))
			}
			return a
		},
		"wrap every attribute": func(_ []string, a slog.Attr) slog.Attr { return slog.Group("", a) },
	}
	for name, ra := range tests {
		t.Run(name, func(t *testing.T) {
			var buf lineBuffer
			h := NewHandler(&buf, withClock(&Options{ReplaceAttr: ra}))
			r := record(slog.LevelInfo, "m", slog.String(KeyEventType, "real.event"), slog.String("x", "1"))
			if err := h.Handle(context.Background(), r); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Contains(out, "x.evil") || !strings.Contains(out, `"event_name":"real.event"`) {
				t.Errorf("relabelled: %s", out)
			}
		})
	}
}
