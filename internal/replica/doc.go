// Package replica is the part of a pool's read replicas that needs no
// pool: WAL positions (LSN) and what the page layout of the WAL lets a
// replay position vouch for, the primary's recent positions from which a
// standby's lag is told in time, the statements the background checks
// run and what their answers make of a standby (its role, its lag,
// whether it takes reads), and choosing the standby a read goes to.
//
// The pool runs the checks' statements and the reads, and keeps the
// public face (Replica, ReadYourWrites, ReplicaOptions, ReplicaStats);
// its LSN and Role are this package's types under the pool's names.
package replica
