package grpcaudit_test

import (
	"context"
	"io"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/secaudit/auditkit/grpcaudit"
)

// callCtx is the context grpc-go hands a unary interceptor: peer and
// incoming metadata.
func callCtx() context.Context {
	ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(203, 0, 113, 10), Port: 51234}})
	return metadata.NewIncomingContext(ctx, metadata.MD{":authority": {"bank.example:443"}, "user-agent": {"grpc-go/1.85.0"}})
}

var benchInfo = &grpc.UnaryServerInfo{FullMethod: "/bank.v1.Accounts/GetBalance"}

func okUnary(context.Context, any) (any, error) { return "ok", nil }

type benchCase struct {
	name string
	call func(ctx context.Context) // one unary call
}

func benchCases(t testing.TB) []benchCase {
	mk := func(o *grpcaudit.Options) grpc.UnaryServerInterceptor {
		a, err := grpcaudit.New(newLogger(io.Discard, nil), o)
		if err != nil {
			t.Fatal(err)
		}
		return a.UnaryServerInterceptor()
	}
	def, all := mk(nil), mk(&grpcaudit.Options{LogOKCalls: true})
	return []benchCase{
		{"bare", func(ctx context.Context) { _, _ = okUnary(ctx, "req") }},
		{"default", func(ctx context.Context) { _, _ = def(ctx, "req", benchInfo, okUnary) }},
		{"all", func(ctx context.Context) { _, _ = all(ctx, "req", benchInfo, okUnary) }},
	}
}

// BenchmarkUnaryInterceptor is the interceptor alone, called as grpc-go
// calls it (bench/ compares whole calls against the peers).
func BenchmarkUnaryInterceptor(b *testing.B) {
	for _, bc := range benchCases(b) {
		b.Run(bc.name, func(b *testing.B) {
			ctx := callCtx()
			b.ReportAllocs()
			for b.Loop() {
				bc.call(ctx)
			}
		})
	}
}

// TestAllocs pins the allocations per call, so a change that adds one is
// noticed. Skipped under -race (make alloc runs it without).
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under -race")
	}
	want := map[string]float64{"bare": 0, "default": 3, "all": 8}
	for _, bc := range benchCases(t) {
		ctx := callCtx()
		got := testing.AllocsPerRun(200, func() { bc.call(ctx) })
		t.Logf("%s: %v allocs/call", bc.name, got)
		if got > want[bc.name] {
			t.Errorf("%s: %v allocs per call, want at most %v", bc.name, got, want[bc.name])
		}
	}
}
