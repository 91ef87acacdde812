package auditsink

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/secaudit/auditkit/internal/sinktest"
)

func TestMultiAtLeastOne(t *testing.T) {
	errA, errB := errors.New("sink a down"), errors.New("sink b down")
	failing := func(err error) recordFunc {
		return func(slog.Level, bool, []byte) error { return err }
	}
	tests := []struct {
		name    string
		sinks   func(*recorder) []io.Writer
		wantErr []error // nil: success
		wantRec int     // lines the recorder got
	}{
		{"all ok", func(r *recorder) []io.Writer { return []io.Writer{r, r} }, nil, 2},
		{"one fails", func(r *recorder) []io.Writer { return []io.Writer{failing(errA), r} }, nil, 1},
		{"one panics", func(r *recorder) []io.Writer { return []io.Writer{panicWriter{}, r} }, nil, 1},
		{"all fail", func(r *recorder) []io.Writer { return []io.Writer{failing(errA), failing(errB)} }, []error{errA, errB}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			m := NewMulti(tt.sinks(&rec)...)
			err := m.WriteRecord(slog.LevelWarn, true, []byte("{}\n"))
			if tt.wantErr == nil && err != nil {
				t.Fatalf("err = %v", err)
			}
			for _, want := range tt.wantErr {
				if !errors.Is(err, want) {
					t.Errorf("err %v does not wrap %v", err, want)
				}
			}
			if len(rec.snapshot()) != tt.wantRec {
				t.Errorf("recorder got %d lines, want %d", len(rec.snapshot()), tt.wantRec)
			}
			if tt.name != "all ok" && m.Failed(0) != 1 {
				t.Errorf("Failed(0) = %d", m.Failed(0))
			}
		})
	}
	if err := NewMulti().WriteRecord(slog.LevelInfo, true, []byte("{}\n")); err == nil {
		t.Error("no sinks: no error")
	}
}

func TestMultiReservedBytes(t *testing.T) {
	var rec recorder
	c := reserver{&rec, 93}
	if got := NewMulti(&rec, c).ReservedBytes(); got != c.ReservedBytes() || got == 0 {
		t.Errorf("ReservedBytes = %d, want %d", got, c.ReservedBytes())
	}
	if got := NewAsync(c, nil); got.ReservedBytes() != c.ReservedBytes() {
		t.Error("Async does not pass ReservedBytes on")
	} else {
		sinktest.Close(t, got)
	}
}

// A plain sink that took part of a line (a full disk) gets the next line on
// a line of its own, not glued to the fragment.
func TestMultiKeepsFragmentsApart(t *testing.T) {
	d := &sinktest.FullDisk{Free: 10}
	m := NewMulti(d, io.Discard)
	if err := m.WriteRecord(slog.LevelInfo, true, []byte(`{"i":1,"msg":"first"}`+"\n")); err != nil {
		t.Fatalf("io.Discard took the line, err = %v", err)
	}
	d.AddSpace(1 << 20)
	m.WriteRecord(slog.LevelInfo, true, []byte(`{"i":2,"msg":"second"}`+"\n"))
	m.WriteRecord(slog.LevelInfo, true, []byte(`{"i":3}`+"\n"))
	want := `{"i":1,"ms` + "\n" + `{"i":2,"msg":"second"}` + "\n" + `{"i":3}` + "\n"
	if got := d.String(); got != want {
		t.Errorf("sink holds %q, want %q", got, want)
	}
	if m.Failed(0) != 1 || m.Failed(1) != 0 {
		t.Errorf("Failed = %d, %d", m.Failed(0), m.Failed(1))
	}
}

// reserver is a writer that appends n bytes to every line.
type reserver struct {
	io.Writer
	n int
}

func (r reserver) ReservedBytes() int { return r.n }
