package auditsink

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/secaudit/auditkit/internal/sinktest"
	"github.com/secaudit/auditkit/slogaudit"
)

// events returns the self-audit events among lines.
func events(t *testing.T, lines [][]byte, eventType string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range lines {
		var m struct {
			Attributes map[string]any `json:"attributes"`
		}
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("invalid JSON line %q: %v", l, err)
		}
		if m.Attributes["event_type"] == eventType {
			out = append(out, m.Attributes)
		}
	}
	return out
}

func TestAsyncDeliversInOrder(t *testing.T) {
	var rec recorder
	a := NewAsync(&rec, nil)
	for i := range 1000 {
		if err := a.WriteRecord(slog.LevelInfo, i%2 == 0, line(i, 64)); err != nil {
			t.Fatal(err)
		}
	}
	sinktest.Close(t, a)
	got := rec.snapshot()
	if len(got) != 1000 {
		t.Fatalf("%d lines written, want 1000", len(got))
	}
	for i, l := range got {
		if string(l) != string(line(i, 64)) {
			t.Fatalf("line %d = %q", i, l)
		}
	}
	if s := a.Stats(); s != (Stats{Written: 1000}) {
		t.Errorf("Stats = %+v", s)
	}
}

// Each row plugs the writer with one line, then offers more lines than the
// queue holds, then releases the writer.
func TestAsyncPolicyWithHungWriter(t *testing.T) {
	const maxLines = 4 // the plug plus 3 queued
	tests := []struct {
		name     string
		opts     AsyncOptions
		audit    []bool // classes of the lines offered after the plug
		wantErrs int    // calls that returned ErrDropped
		wantIDs  []int  // ids written after the plug, in order
	}{
		{"other drop newest", AsyncOptions{}, []bool{false, false, false, false, false}, 2, []int{1, 2, 3}},
		{"other drop oldest", AsyncOptions{OtherPolicy: DropOldest}, []bool{false, false, false, false, false}, 0, []int{3, 4, 5}},
		{"audit drop newest", AsyncOptions{AuditPolicy: DropNewest}, []bool{true, true, true, true}, 1, []int{1, 2, 3}},
		{"audit drop oldest", AsyncOptions{AuditPolicy: DropOldest}, []bool{true, true, true, true}, 0, []int{2, 3, 4}},
		{"audit block then timeout", AsyncOptions{BlockTimeout: 20 * time.Millisecond}, []bool{true, true, true, true, true}, 2, []int{1, 2, 3}},
		{"audit evicts other", AsyncOptions{}, []bool{false, false, false, true, true}, 0, []int{3, 4, 5}},
		{"other never evicts audit", AsyncOptions{OtherPolicy: DropOldest}, []bool{true, true, true, false}, 1, []int{1, 2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hw := newHangWriter()
			tt.opts.MaxQueueLines = maxLines
			tt.opts.DropReportInterval = -1
			a := NewAsync(hw, &tt.opts)
			a.WriteRecord(slog.LevelInfo, true, line(0, 32))
			<-hw.entered // the plug is in flight
			errs := 0
			for i, audit := range tt.audit {
				start := time.Now()
				err := a.WriteRecord(slog.LevelInfo, audit, line(i+1, 32))
				if err != nil {
					if !errors.Is(err, ErrDropped) {
						t.Fatalf("err = %v", err)
					}
					errs++
				}
				// Generous bound: proves the call cannot hang on a hung sink.
				if d := time.Since(start); d > 10*DefaultBlockTimeout {
					t.Fatalf("WriteRecord blocked %v", d)
				}
			}
			if errs != tt.wantErrs {
				t.Errorf("%d calls dropped, want %d", errs, tt.wantErrs)
			}
			offered := uint64(1 + len(tt.audit))
			if s := a.Stats(); s.Queued+s.Dropped != offered || s.Written != 0 {
				t.Errorf("before release: %+v", s)
			}
			close(hw.release)
			sinktest.Close(t, a)
			var ids []int
			for _, l := range hw.snapshot()[1:] {
				var m struct{ ID int }
				json.Unmarshal(l, &m)
				ids = append(ids, m.ID)
			}
			if !equalInts(ids, tt.wantIDs) {
				t.Errorf("written ids %v, want %v", ids, tt.wantIDs)
			}
			want := Stats{Written: uint64(1 + len(tt.wantIDs)), Dropped: offered - uint64(1+len(tt.wantIDs))}
			if s := a.Stats(); s != want {
				t.Errorf("Stats = %+v, want %+v", s, want)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestAsyncBlockWaitsForRoom(t *testing.T) {
	sw := &slowWriter{d: time.Millisecond}
	a := NewAsync(sw, &AsyncOptions{MaxQueueLines: 2, BlockTimeout: time.Minute})
	for i := range 50 {
		if err := a.WriteRecord(slog.LevelWarn, true, line(i, 40)); err != nil {
			t.Fatal(err)
		}
	}
	sinktest.Close(t, a)
	if s := a.Stats(); s != (Stats{Written: 50}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestAsyncBytesBound(t *testing.T) {
	hw := newHangWriter()
	a := NewAsync(hw, &AsyncOptions{MaxQueueBytes: 100, OtherPolicy: DropNewest, DropReportInterval: -1})
	if err := a.WriteRecord(slog.LevelInfo, false, line(0, 101)); !errors.Is(err, ErrDropped) {
		t.Errorf("oversized line: %v", err)
	}
	a.WriteRecord(slog.LevelInfo, false, line(1, 60))
	if err := a.WriteRecord(slog.LevelInfo, false, line(2, 60)); !errors.Is(err, ErrDropped) {
		t.Errorf("second 60-byte line: %v", err)
	}
	if err := a.WriteRecord(slog.LevelInfo, false, line(3, 40)); err != nil {
		t.Errorf("40-byte line: %v", err)
	}
	close(hw.release)
	sinktest.Close(t, a)
	if s := a.Stats(); s != (Stats{Written: 2, Dropped: 2}) {
		t.Errorf("Stats = %+v", s)
	}
}

func TestAsyncSinkFailures(t *testing.T) {
	t.Run("panic", func(t *testing.T) {
		var errs atomic.Int64
		a := NewAsync(panicWriter{}, &AsyncOptions{Encoder: encoder(func(err error) {
			if strings.Contains(err.Error(), "disk on fire") {
				errs.Add(1)
			}
		}, nil)})
		for i := range 10 {
			if err := a.WriteRecord(slog.LevelInfo, true, line(i, 40)); err != nil {
				t.Fatal(err)
			}
		}
		sinktest.Close(t, a)
		if s := a.Stats(); s != (Stats{Failed: 10}) {
			t.Errorf("Stats = %+v", s)
		}
		if errs.Load() != 10 {
			t.Errorf("OnError saw %d panics, want 10", errs.Load())
		}
	})
	t.Run("enospc", func(t *testing.T) {
		d := &sinktest.FullDisk{Free: 1050}
		a := NewAsync(d, &AsyncOptions{Encoder: encoder(func(error) {}, nil)})
		for i := range 20 {
			a.WriteRecord(slog.LevelInfo, true, line(i, 100))
		}
		sinktest.Close(t, a)
		if s := a.Stats(); s != (Stats{Written: 10, Failed: 10}) {
			t.Errorf("Stats = %+v", s)
		}
	})
}

func TestAsyncCloseDeadlineWithHungWriter(t *testing.T) {
	hw := newHangWriter()
	a := NewAsync(hw, &AsyncOptions{DropReportInterval: -1})
	for i := range 5 {
		a.WriteRecord(slog.LevelInfo, true, line(i, 40))
	}
	<-hw.entered
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := a.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want DeadlineExceeded", err)
	}
	// The in-flight batch (taken before Close) is still pending; what was
	// queued is dropped.
	s := a.Stats()
	if s.Written != 0 || s.Dropped+s.Queued != 5 {
		t.Errorf("after Close: %+v", s)
	}
	if err := a.WriteRecord(slog.LevelInfo, true, line(9, 40)); !errors.Is(err, ErrClosed) {
		t.Errorf("write after Close = %v", err)
	}
	close(hw.release) // the worker finishes its write and exits (goleak checks)
	<-a.exited
	// Only the write in progress completes; the rest of its batch is dropped.
	if s := a.Stats(); s != (Stats{Written: 1, Dropped: 5}) {
		t.Errorf("final: %+v", s)
	}
	if n := len(hw.snapshot()); n != 1 {
		t.Errorf("%d lines written after Close returned, want only the one in progress", n)
	}
}

func TestAsyncCountersAddUpUnderLoad(t *testing.T) {
	sw := &slowWriter{d: 20 * time.Microsecond}
	a := NewAsync(sw, &AsyncOptions{MaxQueueLines: 16, BlockTimeout: time.Millisecond, DropReportInterval: -1})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				a.WriteRecord(slog.LevelInfo, (g+i)%3 == 0, line(i, 80))
			}
		}()
	}
	wg.Wait()
	sinktest.Close(t, a)
	s := a.Stats()
	if s.Written+s.Dropped+s.Failed != 4000 || s.Queued != 0 {
		t.Errorf("Stats = %+v, want a total of 4000", s)
	}
	if got := uint64(len(sw.snapshot())); got != s.Written {
		t.Errorf("sink has %d lines, Written = %d", got, s.Written)
	}
}

func TestAsyncDropReport(t *testing.T) {
	hw := newHangWriter()
	clock := sinktest.NewClock()
	a := NewAsync(hw, &AsyncOptions{MaxQueueLines: 2, MaxQueueBytes: 1000, DropReportInterval: time.Hour, Encoder: slogaudit.NewEncoder(&slogaudit.Options{Now: clock.Now, ServiceName: "billing"})})
	a.WriteRecord(slog.LevelInfo, false, line(0, 40))
	<-hw.entered
	for i := range 4 { // one queued, three dropped
		a.WriteRecord(slog.LevelInfo, false, line(i+1, 40))
	}
	close(hw.release)
	// The first report goes out at once...
	waitFor(t, func() bool { return len(events(t, hw.snapshot(), EventDeliveryDropped)) == 1 })
	// ...the next ones wait for the interval, or for Close.
	for i := range 5 {
		a.WriteRecord(slog.LevelInfo, false, line(10+i, 40))
	}
	if err := a.WriteRecord(slog.LevelInfo, false, line(99, 2000)); !errors.Is(err, ErrDropped) {
		t.Fatalf("oversized line: %v", err)
	}
	sinktest.Close(t, a)
	evs := events(t, hw.snapshot(), EventDeliveryDropped)
	if len(evs) != 2 {
		t.Fatalf("%d drop events, want 2: %v", len(evs), evs)
	}
	if evs[0][KeyDroppedCount] != 3.0 || evs[0][KeyDroppedTotal] != 3.0 {
		t.Errorf("first event %v", evs[0])
	}
	s := a.Stats()
	if evs[1][KeyDroppedTotal] != float64(s.Dropped) || evs[1][KeyDroppedCount] != float64(s.Dropped-3) {
		t.Errorf("last event %v, stats %+v", evs[1], s)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestAsyncPassesRecordInfo(t *testing.T) {
	var got []string
	var mu sync.Mutex
	rw := recordFunc(func(level slog.Level, audit bool, line []byte) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, level.String()+" "+boolStr(audit)+" "+strings.TrimSpace(string(line)))
		return nil
	})
	a := NewAsync(rw, nil)
	a.WriteRecord(slog.LevelWarn, true, []byte("{}\n"))
	a.WriteRecord(slog.LevelDebug, false, []byte("{}\n"))
	a.Write([]byte("{}\n"))
	sinktest.Close(t, a)
	want := []string{"WARN audit {}", "DEBUG other {}", "INFO audit {}"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func boolStr(audit bool) string {
	if audit {
		return "audit"
	}
	return "other"
}

// recordFunc adapts a function to slogaudit.RecordWriter (and io.Writer).
type recordFunc func(level slog.Level, audit bool, line []byte) error

func (f recordFunc) WriteRecord(level slog.Level, audit bool, line []byte) error {
	return f(level, audit, line)
}

func (f recordFunc) Write(p []byte) (int, error) {
	if err := f(slog.LevelInfo, true, p); err != nil {
		return 0, err
	}
	return len(p), nil
}
