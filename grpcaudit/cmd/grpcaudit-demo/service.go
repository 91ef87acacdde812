package main

import (
	"context"
	"io"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	testgrpc "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/secaudit/auditkit/authaudit"
	"github.com/secaudit/auditkit/slogaudit"
)

// bank is the demo's service, on the shapes of gRPC's own test service:
// UnaryCall answers with the status the request asks for (the scenario's
// way to play a refused transfer), or panics; FullDuplexCall echoes.
type bank struct {
	testgrpc.UnimplementedTestServiceServer
	logger *slog.Logger
}

func (b *bank) UnaryCall(ctx context.Context, r *testgrpc.SimpleRequest) (*testgrpc.SimpleResponse, error) {
	if r.GetResponseSize() < 0 {
		panic("ledger index out of range") // RecoverPanics: INTERNAL, never this text
	}
	if c := codes.Code(r.GetResponseStatus().GetCode()); c != codes.OK {
		return nil, status.Error(c, "refused")
	}
	return &testgrpc.SimpleResponse{}, nil
}

func (b *bank) FullDuplexCall(st grpc.BidiStreamingServer[testgrpc.StreamingOutputCallRequest, testgrpc.StreamingOutputCallResponse]) error {
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

// users are the demo's API keys.
var users = map[string]string{"key-maya": "1001", "key-omar": "1002"}

// auth is the application's auth interceptor, installed after the audit
// interceptor: it names the user (slogaudit.SetUser reaches the call's
// event) or records the failed login inside the call, where it carries the
// call's request_id and client.address.
type auth struct{ log *authaudit.Logger }

func (a auth) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
	if err := a.login(ctx); err != nil {
		return nil, err
	}
	return next(ctx, req)
}

func (a auth) stream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, next grpc.StreamHandler) error {
	if err := a.login(ss.Context()); err != nil {
		return err
	}
	return next(srv, ss)
}

func (a auth) login(ctx context.Context) error {
	key := metadata.ValueFromIncomingContext(ctx, "x-api-key")
	if len(key) != 1 {
		a.log.LoginFailed(ctx, "", authaudit.ReasonUnknownUser)
		return status.Error(codes.Unauthenticated, "missing API key")
	}
	id, ok := users[key[0]]
	if !ok {
		a.log.LoginFailed(ctx, "", authaudit.ReasonBadPassword)
		return status.Error(codes.Unauthenticated, "bad API key")
	}
	slogaudit.SetUser(ctx, slogaudit.User{ID: id})
	return nil
}

// sessionKey keys the session pseudonym (a real service loads it from its
// secrets).
var sessionKey = []byte("grpcaudit-demo-session-key-32byt")

// sessionOf is Options.SessionID: the x-session token. grpcaudit writes its
// keyed hash with Options.SessionKey, so the token itself is never logged.
func sessionOf(ctx context.Context) string {
	v := metadata.ValueFromIncomingContext(ctx, "x-session")
	if len(v) != 1 {
		return ""
	}
	return v[0]
}
