//go:build race

package modelaudit_test

const raceEnabled = true
