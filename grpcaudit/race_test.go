//go:build race

package grpcaudit_test

const raceEnabled = true
