package auditchain

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/secaudit/auditkit/internal/sinktest"
)

// checkpoints parses the checkpoint lines in s, checking each signature.
func checkpoints(t *testing.T, s string) []Checkpoint {
	t.Helper()
	var cps []Checkpoint
	for _, l := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		if l == "" {
			continue
		}
		var cp Checkpoint
		if err := json.Unmarshal([]byte(l), &cp); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		sig, _ := hex.DecodeString(cp.Sig)
		if !ed25519.Verify(testPubKey, cp.Message(), sig) {
			t.Fatalf("bad signature: %s", l)
		}
		cps = append(cps, cp)
	}
	return cps
}

// With no new lines, a live chain keeps signing its head with newer times,
// so a verifier's -max-age tells a live trail from a cut one. Without
// HeartbeatInterval (the control) it signs nothing more.
func TestChainHeartbeat(t *testing.T) {
	for _, beat := range []time.Duration{0, 5 * time.Millisecond} {
		clock := sinktest.NewClock()
		var out, ck sinktest.Buffer
		c, err := NewChain(&out, &ck, &ChainOptions{SigningKey: testSignKey, HeartbeatInterval: beat,
			CheckpointInterval: -1, Encoder: encoderAt(clock.Now)})
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte(`{"a":1}` + "\n"))
		c.Checkpoint()
		n := len(checkpoints(t, ck.String()))
		deadline := time.Now().Add(2 * time.Second)
		if beat == 0 {
			deadline = time.Now().Add(20 * time.Millisecond) // the control: long enough for several beats
		}
		for len(checkpoints(t, ck.String())) < n+3 && time.Now().Before(deadline) {
			clock.Advance(time.Minute)
			time.Sleep(5*time.Millisecond + time.Millisecond)
		}
		c.Close()
		cps := checkpoints(t, ck.String())
		beats := cps[n : len(cps)-1] // without the final one
		if beat == 0 {
			if len(beats) != 0 {
				t.Fatalf("no heartbeat configured, but %d checkpoints signed", len(beats))
			}
			continue
		}
		if len(beats) < 3 {
			t.Fatalf("%d heartbeat checkpoints in 2s, want 3 or more", len(beats))
		}
		last := cps[n-1]
		for _, cp := range beats {
			if cp.Segment != last.Segment || cp.Seq != 1 || cp.Head != last.Head || cp.Final {
				t.Errorf("heartbeat %+v does not re-sign head %+v", cp, last)
			}
		}
		if beats[len(beats)-1].Time <= last.Time {
			t.Error("heartbeat times do not advance with the clock")
		}
		if !bytes.Contains([]byte(out.String()), []byte(`"seq":1,`)) {
			t.Error("line missing")
		}
	}
}

func TestChainHeartbeatNeedsSigningKey(t *testing.T) {
	for _, o := range []*ChainOptions{
		{HeartbeatInterval: time.Second},
		{SigningKey: testSignKey, HeartbeatInterval: -time.Second},
		{Witness: &bytes.Buffer{}},
	} {
		if _, err := NewChain(&bytes.Buffer{}, &bytes.Buffer{}, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}
