package auditsink

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secaudit/auditkit/internal/sinktest"
)

// Each action against a disk with room for 5 lines of 100 bytes, which
// fills up, then gets space back.
func TestGuardActions(t *testing.T) {
	for _, tt := range []struct {
		action     DiskErrorAction
		wantErrs   int // calls that returned an error while full
		wantWrites int // write attempts the sink saw while full (5 ok + 1 partial + ...)
	}{
		{FailOpen, 0, 5 + 1 + 9*2}, // the first failure, then the warning event and the line itself
		{Suspend, 0, 5 + 1 + 1},    // the first failure, then one probe after the interval
		{FailClosed, 10, 5 + 10},
	} {
		t.Run(tt.action.String(), func(t *testing.T) {
			d := &sinktest.FullDisk{Free: 5*100 + 30}
			clock := sinktest.NewClock()
			var notes []error
			g := NewGuard(d, &GuardOptions{Action: tt.action, ProbeInterval: time.Second,
				Encoder: encoder(func(err error) { notes = append(notes, err) }, clock.Now)})
			errs := 0
			for i := range 15 {
				if i == 10 {
					clock.Advance(2 * time.Second) // one probe is due
				}
				err := g.WriteRecord(slog.LevelInfo, true, line(i, 100))
				if err != nil {
					if !errors.Is(err, syscall.ENOSPC) {
						t.Fatalf("line %d: %v", i, err)
					}
					errs++
				}
			}
			if errs != tt.wantErrs {
				t.Errorf("%d calls failed, want %d", errs, tt.wantErrs)
			}
			if d.Writes() != tt.wantWrites {
				t.Errorf("sink saw %d writes, want %d", d.Writes(), tt.wantWrites)
			}
			if len(notes) != 1 || !errors.Is(notes[0], syscall.ENOSPC) {
				t.Errorf("OnError calls: %v (want exactly one, for the transition)", notes)
			}
			if !g.Failing() {
				t.Error("not failing while the disk is full")
			}
			if s := g.Stats(); s != (Stats{Written: 5, Failed: 10}) {
				t.Errorf("Stats while full = %+v", s)
			}

			d.AddSpace(1 << 20)
			clock.Advance(2 * time.Second)
			for i := range 3 {
				if err := g.WriteRecord(slog.LevelInfo, true, line(100+i, 100)); err != nil {
					t.Fatalf("after recovery: %v", err)
				}
			}
			if g.Failing() || len(notes) != 1 {
				t.Errorf("after recovery: failing %v, %d notes", g.Failing(), len(notes))
			}
			if s := g.Stats(); s != (Stats{Written: 8, Failed: 10}) {
				t.Errorf("Stats after recovery = %+v", s)
			}
			out := d.String()
			// The fragment of the line that hit the full disk stays on its
			// own line; then the one warning event, then the new lines.
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 5+1+1+3 {
				t.Fatalf("%d lines in the sink:\n%s", len(lines), out)
			}
			if lines[5] != string(line(5, 100)[:30]) {
				t.Errorf("fragment %q", lines[5])
			}
			evs := events(t, [][]byte{[]byte(lines[6])}, EventDeliveryDiskError)
			if len(evs) != 1 || evs[0][KeyLostCount] != 10.0 || evs[0][KeyDeliveryAction] != tt.action.String() ||
				!strings.Contains(evs[0][KeyDeliveryError].(string), "no space left") || evs[0][KeyOutageNS] != float64(4*time.Second) {
				t.Errorf("warning event %s", lines[6])
			}
			if lines[7] != strings.TrimSuffix(string(line(100, 100)), "\n") {
				t.Errorf("first line after recovery %q", lines[7])
			}
		})
	}
}

func TestGuardPassesOtherErrors(t *testing.T) {
	boom := errors.New("boom")
	g := NewGuard(recordFunc(func(slog.Level, bool, []byte) error { return boom }), nil)
	if err := g.WriteRecord(slog.LevelInfo, true, []byte("{}\n")); !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
	if g.Failing() || g.Stats().Failed != 1 {
		t.Errorf("failing %v, %+v", g.Failing(), g.Stats())
	}
	if !IsDiskError(fmt.Errorf("x: %w", syscall.EIO)) || IsDiskError(boom) {
		t.Error("IsDiskError")
	}
}

// FailOpen tries every line during an outage, not only the warning event:
// a disk with room for short lines but not for the event keeps them.
func TestGuardFailOpenTriesEveryLine(t *testing.T) {
	var got []string
	short := true // the disk takes only lines up to 60 bytes
	w := writerFunc(func(p []byte) (int, error) {
		if short && len(p) > 60 {
			return 0, fmt.Errorf("write: %w", syscall.ENOSPC)
		}
		got = append(got, string(p))
		return len(p), nil
	})
	g := NewGuard(w, &GuardOptions{Action: FailOpen, Encoder: encoder(func(error) {}, nil)})
	g.Write([]byte(`{"long":"` + strings.Repeat("x", 80) + `"}` + "\n"))
	for i := range 3 {
		if _, err := g.Write(fmt.Appendf(nil, `{"short":%d}`+"\n", i)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 3 || got[2] != `{"short":2}`+"\n" {
		t.Fatalf("sink got %q", got)
	}
	if s := g.Stats(); s != (Stats{Written: 3, Failed: 1}) || !g.Failing() {
		t.Errorf("stats %+v, failing %v (the warning event is still owed)", s, g.Failing())
	}
	short = false
	g.Write([]byte(`{"short":3}` + "\n"))
	if len(got) != 5 || !strings.Contains(got[3], EventDeliveryDiskError) || !strings.Contains(got[3], `"`+KeyLostCount+`":1`) || g.Failing() {
		t.Errorf("after recovery: %q", got[3:])
	}
}

// Errors that are not disk errors are returned unchanged during an outage
// too, whatever the action.
func TestGuardOtherErrorsDuringOutage(t *testing.T) {
	other := errors.New("bad file descriptor")
	for _, action := range []DiskErrorAction{FailOpen, Suspend, FailClosed} {
		var fail error
		w := writerFunc(func(p []byte) (int, error) {
			if fail != nil {
				return 0, fail
			}
			return len(p), nil
		})
		clock := sinktest.NewClock()
		g := NewGuard(w, &GuardOptions{Action: action, Encoder: encoder(func(error) {}, clock.Now)})
		fail = fmt.Errorf("write: %w", syscall.ENOSPC)
		g.Write([]byte("{}\n"))
		fail = other
		clock.Advance(time.Hour) // a Suspend probe is due
		if err := g.WriteRecord(slog.LevelInfo, true, []byte("{}\n")); !errors.Is(err, other) {
			t.Errorf("%v: err = %v, want the sink's own error", action, err)
		}
		if !g.Failing() {
			t.Errorf("%v: outage ended without a written warning", action)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
