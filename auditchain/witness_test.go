package auditchain

import (
	"bytes"
	"errors"
	"syscall"
	"testing"

	"github.com/secaudit/auditkit/internal/sinktest"
	"github.com/secaudit/auditkit/slogaudit"
)

// The witness receives byte-identical checkpoint lines; a failing witness
// is reported to OnError and never costs a line or a checkpoint.
func TestChainWitness(t *testing.T) {
	var out, ck, wit bytes.Buffer
	c, err := NewChain(&out, &ck, &ChainOptions{SigningKey: testSignKey, Witness: &wit, CheckpointEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		c.Write([]byte(`{"a":1}` + "\n"))
	}
	c.Close()
	if wit.Len() == 0 || wit.String() != ck.String() {
		t.Fatalf("witness:\n%s\nsidecar:\n%s", wit.String(), ck.String())
	}

	var errs []error
	broken := &sinktest.FullDisk{} // no room at all
	enc := slogaudit.NewEncoder(&slogaudit.Options{OnError: func(err error) { errs = append(errs, err) }})
	ck.Reset()
	out.Reset()
	c, _ = NewChain(&out, &ck, &ChainOptions{SigningKey: testSignKey, Witness: broken, Encoder: enc})
	if _, err := c.Write([]byte(`{"a":1}` + "\n")); err != nil {
		t.Fatalf("a witness error failed the line: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("a witness error failed Close: %v", err)
	}
	if len(checkpoints(t, ck.String())) != 2 || len(errs) != 2 {
		t.Fatalf("checkpoints:\n%s\nerrors: %v", ck.String(), errs)
	}
	if !errors.Is(errs[0], syscall.ENOSPC) {
		t.Errorf("OnError got %v", errs[0])
	}
}
