package auditsink

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/secaudit/auditkit/internal/sinktest"
	"github.com/secaudit/auditkit/slogaudit"
)

// tornWriter is a plain io.Writer (not a RecordWriter) that takes only a
// prefix of some writes and then fails, like write(2) on a full disk:
// call i takes accept[i] bytes. Later calls, and negative entries, take
// everything.
type tornWriter struct {
	mu     sync.Mutex
	accept []int
	calls  int
	buf    bytes.Buffer
}

func (w *tornWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := w.calls
	w.calls++
	if i < len(w.accept) && w.accept[i] >= 0 && w.accept[i] < len(p) {
		n := w.accept[i]
		w.buf.Write(p[:n])
		return n, fmt.Errorf("write audit.log: %w", syscall.ENOSPC)
	}
	return w.buf.Write(p)
}

func (w *tornWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// A plain sink that takes part of a line leaves a fragment. The next line
// must start on a line of its own, or a line counted Written is glued to
// the fragment and no longer parses.
func TestAsyncPlainSinkKeepsFragmentApart(t *testing.T) {
	const n = 5 // lines {"id":1} ... {"id":5}, 9 bytes each with the newline
	tests := []struct {
		name   string
		accept []int // bytes the sink takes per call; -1 all
		want   string
		failed uint64
	}{
		{"torn first line", []int{4},
			`{"id` + "\n" + `{"id":2}` + "\n" + `{"id":3}` + "\n" + `{"id":4}` + "\n" + `{"id":5}` + "\n", 1},
		{"all but the newline", []int{8},
			`{"id":1}` + "\n" + `{"id":2}` + "\n" + `{"id":3}` + "\n" + `{"id":4}` + "\n" + `{"id":5}` + "\n", 1},
		{"nothing written: no blank line", []int{0},
			`{"id":2}` + "\n" + `{"id":3}` + "\n" + `{"id":4}` + "\n" + `{"id":5}` + "\n", 1},
		{"torn twice in a row", []int{4, 5}, // the second call is "\n" + line 2
			`{"id` + "\n" + `{"id` + "\n" + `{"id":3}` + "\n" + `{"id":4}` + "\n" + `{"id":5}` + "\n", 2},
		{"only the separating newline taken", []int{4, 1},
			`{"id` + "\n" + `{"id":3}` + "\n" + `{"id":4}` + "\n" + `{"id":5}` + "\n", 2},
		{"torn in the middle", []int{-1, -1, 3},
			`{"id":1}` + "\n" + `{"id":2}` + "\n" + `{"i` + "\n" + `{"id":4}` + "\n" + `{"id":5}` + "\n", 1},
		{"torn last line", []int{-1, -1, -1, -1, 6},
			`{"id":1}` + "\n" + `{"id":2}` + "\n" + `{"id":3}` + "\n" + `{"id":4}` + "\n" + `{"id":`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &tornWriter{accept: tt.accept}
			var errs []error
			var mu sync.Mutex
			a := NewAsync(w, &AsyncOptions{Encoder: encoder(func(err error) {
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err)
			}, nil)})
			for i := 1; i <= n; i++ {
				if err := a.WriteRecord(slog.LevelInfo, true, fmt.Appendf(nil, `{"id":%d}`+"\n", i)); err != nil {
					t.Fatal(err)
				}
			}
			sinktest.Close(t, a)
			got := w.String()
			if got != tt.want {
				t.Errorf("sink holds\n%q\nwant\n%q", got, tt.want)
			}
			if s, want := a.Stats(), (Stats{Written: n - tt.failed, Failed: tt.failed}); s != want {
				t.Errorf("Stats = %+v, want %+v", s, want)
			}
			if uint64(len(errs)) != tt.failed {
				t.Errorf("OnError heard %d errors, want %d: %v", len(errs), tt.failed, errs)
			}
			// Every line the sink took whole is a line of its own that parses.
			lines := strings.Split(got, "\n")
			for i := 1; i <= n; i++ {
				if c := i - 1; c < len(tt.accept) && tt.accept[c] >= 0 {
					continue // this call failed (or, after a failure, carried the separator)
				}
				found := false
				for _, l := range lines {
					var m struct{ ID int }
					if json.Unmarshal([]byte(l), &m) == nil && m.ID == i {
						found = true
					}
				}
				if !found {
					t.Errorf("line %d, counted Written, is not a parsable line of its own in %q", i, got)
				}
			}
		})
	}
}

// End to end through the slogaudit handler: after the sink took part of the
// first record, every later record is a JSON line of its own.
func TestAsyncPlainSinkTornThroughHandler(t *testing.T) {
	w := &tornWriter{accept: []int{10}}
	a := NewAsync(w, &AsyncOptions{Encoder: encoder(func(error) {}, nil)})
	logger := slog.New(slogaudit.NewHandler(a, &slogaudit.Options{ServiceName: "billing"}))
	const n = 4
	for i := range n {
		logger.Info("auth.login.success", slogaudit.KeyEventType, "auth.login.success", "i", i)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := a.Stats(); s != (Stats{Written: n - 1, Failed: 1}) {
		t.Errorf("Stats = %+v", s)
	}
	got := w.String()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != n || len(lines[0]) != 10 {
		t.Fatalf("want a 10-byte fragment and %d lines, got %q", n-1, got)
	}
	for j, l := range lines[1:] {
		var m struct {
			Attributes map[string]any `json:"attributes"`
		}
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d: %v: %q", j+2, err, l)
		}
		if m.Attributes["event_type"] != "auth.login.success" || m.Attributes["i"] != float64(j+1) {
			t.Errorf("line %d: %s", j+2, l)
		}
	}
}
