package slogaudit

import (
	"context"
	"testing"
)

func zzLine() []byte {
	var lb lineBuffer
	r := benchRecord()
	_ = NewHandler(&lb, nil).Handle(context.Background(), r)
	return append([]byte{0}, lb.String()...)
}

func BenchmarkZZNextSpecial(b *testing.B) {
	line := zzLine()
	n := 0
	for b.Loop() {
		for i := 0; i < len(line); i++ {
			i = nextSpecial(line, i)
			n++
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "specials/op")
}

func BenchmarkZZByteLoop(b *testing.B) {
	line := zzLine()
	n := 0
	for b.Loop() {
		for _, c := range line {
			if c == '"' || c == '\\' {
				n++
			}
		}
	}
}

func BenchmarkZZScanOnly(b *testing.B) {
	line := zzLine()
	n := 0
	for b.Loop() {
		t := transcoder{in: line, i: 1}
		t.skip(0)
		n += t.i
	}
}
