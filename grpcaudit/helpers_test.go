package grpcaudit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"

	"github.com/secaudit/auditkit/grpcaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// sink collects the handler's lines; safe for concurrent use.
type sink struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// event is one decoded line.
type event struct {
	Severity   string         `json:"severity_text"`
	Body       string         `json:"body"`
	Scope      map[string]any `json:"instrumentation_scope"`
	Attributes map[string]any `json:"attributes"`
	raw        string
}

func (e event) str(key string) string { s, _ := e.Attributes[key].(string); return s }

// events decodes every line written so far; a line that is not JSON fails
// the test.
func (s *sink) events(t testing.TB) []event {
	t.Helper()
	s.mu.Lock()
	data := append([]byte(nil), s.b.Bytes()...)
	s.mu.Unlock()
	var out []event
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line is not JSON: %v\n%s", err, sc.Text())
		}
		e.raw = sc.Text()
		out = append(out, e)
	}
	return out
}

// calls returns the rpc.call events.
func (s *sink) calls(t testing.TB) []event {
	t.Helper()
	var out []event
	for _, e := range s.events(t) {
		if e.Body == grpcaudit.MessageCall {
			out = append(out, e)
		}
	}
	return out
}

// waitCalls waits until n call events were written (the server writes a
// stream's event after the client saw the stream end) and returns them.
func (s *sink) waitCalls(t testing.TB, n int) []event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := s.calls(t)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d call events, want %d:\n%s", len(got), n, s.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// service is a TestService whose methods the test chooses.
type service struct {
	testgrpc.UnimplementedTestServiceServer
	unary      func(context.Context, *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error)
	fullDuplex func(grpc.BidiStreamingServer[testgrpc.StreamingOutputCallRequest, testgrpc.StreamingOutputCallResponse]) error
	output     func(*testgrpc.StreamingOutputCallRequest, grpc.ServerStreamingServer[testgrpc.StreamingOutputCallResponse]) error
}

func (s *service) UnaryCall(ctx context.Context, r *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	if s.unary != nil {
		return s.unary(ctx, r)
	}
	return &testgrpc.SimpleResponse{}, nil
}

func (s *service) FullDuplexCall(st grpc.BidiStreamingServer[testgrpc.StreamingOutputCallRequest, testgrpc.StreamingOutputCallResponse]) error {
	if s.fullDuplex != nil {
		return s.fullDuplex(st)
	}
	return echo(st)
}

func (s *service) StreamingOutputCall(r *testgrpc.StreamingOutputCallRequest, st grpc.ServerStreamingServer[testgrpc.StreamingOutputCallResponse]) error {
	return s.output(r, st)
}

// echo answers every message until the client closes its side.
func echo(st grpc.BidiStreamingServer[testgrpc.StreamingOutputCallRequest, testgrpc.StreamingOutputCallResponse]) error {
	for {
		m, err := st.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := st.Send(&testgrpc.StreamingOutputCallResponse{Payload: m.GetPayload()}); err != nil {
			return err
		}
	}
}

// fixture is a real gRPC server on loopback with the interceptors, and a
// client.
type fixture struct {
	out    *sink
	logger *slog.Logger
	addr   string
	client testgrpc.TestServiceClient
	health healthpb.HealthClient
}

type fixtureOpts struct {
	audit   *grpcaudit.Options
	handler *slogaudit.Options
	svc     *service
	inner   []grpc.UnaryServerInterceptor // after the audit interceptors
	innerS  []grpc.StreamServerInterceptor
	from    string // the client's source address; "" is 127.0.0.1
}

func newFixture(t *testing.T, fo fixtureOpts) *fixture {
	t.Helper()
	f := &fixture{out: &sink{}}
	ho := fo.handler
	if ho == nil {
		ho = &slogaudit.Options{ServiceName: "test"}
	}
	f.logger = slog.New(slogaudit.NewHandler(f.out, ho))
	audit, err := grpcaudit.New(f.logger, fo.audit)
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(append([]grpc.UnaryServerInterceptor{audit.UnaryServerInterceptor()}, fo.inner...)...),
		grpc.ChainStreamInterceptor(append([]grpc.StreamServerInterceptor{audit.StreamServerInterceptor()}, fo.innerS...)...),
	)
	svc := fo.svc
	if svc == nil {
		svc = &service{}
	}
	testgrpc.RegisterTestServiceServer(srv, svc)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	f.addr = lis.Addr().String()
	conn := dial(t, f.addr, fo.from)
	f.client = testgrpc.NewTestServiceClient(conn)
	f.health = healthpb.NewHealthClient(conn)
	return f
}

// dial connects to addr from the source address from (127.0.0.x: Linux
// answers the whole loopback block), so a test can play an untrusted peer.
func dial(t *testing.T, addr, from string) *grpc.ClientConn {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if from != "" {
		opts = append(opts, grpc.WithContextDialer(func(ctx context.Context, a string) (net.Conn, error) {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
			return d.DialContext(ctx, "tcp", a)
		}))
	}
	conn, err := grpc.NewClient("passthrough:///"+addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newLogger(out io.Writer, o *slogaudit.Options) *slog.Logger {
	if o == nil {
		o = &slogaudit.Options{ServiceName: "test"}
	}
	return slog.New(slogaudit.NewHandler(out, o))
}

func slogNew(h slog.Handler) *slog.Logger { return slog.New(h) }

// panicHandler panics in every method.
type panicHandler struct{}

func (panicHandler) Enabled(context.Context, slog.Level) bool  { return true }
func (panicHandler) Handle(context.Context, slog.Record) error { panic("handler broke") }
func (h panicHandler) WithAttrs([]slog.Attr) slog.Handler      { return h }
func (h panicHandler) WithGroup(string) slog.Handler           { return h }

func insecureCreds() credentials.TransportCredentials { return insecure.NewCredentials() }
