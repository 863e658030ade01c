// Package testkit holds what Tapio's tests need from the machine they run
// on: root for the kernel, and clear failures when it is missing.
//
// Tests against real parts never pass by skipping. A missing privilege or
// a busy port is a broken test environment and fails with the reason; only
// a kernel that lacks a feature is a documented skip.
package testkit
