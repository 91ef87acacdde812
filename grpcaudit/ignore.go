package grpcaudit

import (
	"errors"
	"strings"
)

// ignoreSet holds Options.IgnoreMethods: exact full methods and whole
// services ("/pkg.Service/"), looked up without allocating.
type ignoreSet struct {
	methods  map[string]struct{}
	services map[string]struct{} // "/pkg.Service/"
}

func compileIgnore(entries []string, add func(error)) ignoreSet {
	var s ignoreSet
	for i, e := range entries {
		svc, method, ok := strings.Cut(strings.TrimPrefix(e, "/"), "/")
		if !strings.HasPrefix(e, "/") || !ok || svc == "" || method == "" || strings.Contains(method, "/") {
			add(fieldErr("IgnoreMethods", i, e, errors.New(`want "/package.Service/Method" or "/package.Service/*"`)))
			continue
		}
		if method == "*" {
			if s.services == nil {
				s.services = make(map[string]struct{})
			}
			s.services["/"+svc+"/"] = struct{}{}
			continue
		}
		if s.methods == nil {
			s.methods = make(map[string]struct{})
		}
		s.methods[e] = struct{}{}
	}
	return s
}

// has reports whether calls of fullMethod ("/pkg.Service/Method") are
// ignored. The match is exact: gRPC routes on the same string.
func (s *ignoreSet) has(fullMethod string) bool {
	if s.methods == nil && s.services == nil {
		return false
	}
	if _, ok := s.methods[fullMethod]; ok {
		return true
	}
	if i := strings.LastIndexByte(fullMethod, '/'); i > 0 {
		_, ok := s.services[fullMethod[:i+1]]
		return ok
	}
	return false
}
