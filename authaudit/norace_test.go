//go:build !race

package authaudit_test

const raceEnabled = false
