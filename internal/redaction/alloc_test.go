package redaction

import "testing"

func TestEnterAllocs(t *testing.T) {
	r := defaultRules
	allow, _ := newRules(Options{Allowlist: []string{"credit_card_last4"}})
	wantAllocs(t, 0, func() {
		p := r.Enter(Path{}, "http")
		p = r.Enter(p, "request.method")
		sinkBool = p.Sensitive() || r.Enter(p, "userSSN_Ünïcode").Sensitive()
		sinkBool = allow.Enter(p, "payment.credit_card_last4").Sensitive()
		sinkBool = r.Enter(p, "DB_PASS").Sensitive() || r.Enter(p, "paſſword").Sensitive()
	})
}

func TestIsSensitiveKeyAllocs(t *testing.T) {
	r := defaultRules
	wantAllocs(t, 0, func() {
		sinkBool = r.IsSensitiveKey("user_agent.original") || r.IsSensitiveKey("X-Api-Key")
	})
}

func TestMatchValueAllocs(t *testing.T) {
	none := defaultRules
	all, _ := newRules(Options{Detectors: DetectorNames()})
	s := "GET /api/v1/users/42?page=2 from 203.0.113.10 Bearer abcdefghijklmn 4111111111111111"
	wantAllocs(t, 0, func() {
		sinkBool = none.MatchValue(s) || all.MatchValue(s) || all.MatchValue("plain")
	})
}

func TestAppendMaskAllocs(t *testing.T) {
	r, _ := newRules(Options{HMACKey: []byte("k")})
	buf := make([]byte, 0, 128)
	r.AppendMask(buf, "warm the pool")
	wantAllocs(t, 0, func() {
		buf = r.AppendMask(buf[:0], "hunter2")
		buf = defaultRules.AppendMask(buf[:0], "hunter2")
	})
}
