package grpcaudit

import (
	"context"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
)

// serverStream is the stream a streaming method gets: the original, with the
// call's context (the request scope) and counters of the messages received
// and sent. It captures the first messages received when payload capture is
// on.
type serverStream struct {
	grpc.ServerStream
	st       *call
	received atomic.Int64
	sent     atomic.Int64
	capture  *payloadConfig // nil: no capture

	mu       sync.Mutex // guards captured and spent: a stream may be read from two goroutines
	captured []*captured
	spent    int // bytes the captured messages hold (payloadConfig.streamBudget)
}

var _ grpc.ServerStream = (*serverStream)(nil)

// Context returns the call's context, which carries the request scope.
func (s *serverStream) Context() context.Context { return s.st.down }

// RecvMsg receives a message and counts it; the first
// Options.PayloadStreamMessages are captured before the method sees them,
// as long as the stream's capture budget lasts.
func (s *serverStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err != nil {
		return err
	}
	n := s.received.Add(1)
	if p := s.capture; p != nil && n <= int64(p.streamN) {
		s.mu.Lock()
		defer s.mu.Unlock()
		// Past the stream's budget a message is counted too_large, and
		// nothing more is kept until the stream ends.
		c, size := p.captureMessage(m, p.streamBudget-s.spent)
		s.spent += size
		s.captured = append(s.captured, c)
	}
	return nil
}

// SendMsg sends a message and counts it when it was sent.
func (s *serverStream) SendMsg(m any) error {
	err := s.ServerStream.SendMsg(m)
	if err == nil {
		s.sent.Add(1)
	}
	return err
}

// capturedMessages returns what the stream captured so far.
func (s *serverStream) capturedMessages() []*captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.captured[:len(s.captured):len(s.captured)]
}
