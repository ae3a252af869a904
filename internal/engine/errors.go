package engine

import "errors"

// ErrCopyNeedsRaw: a COPY FROM STDIN or TO STDOUT written as a statement,
// which has no data to send and keeps no data it receives.
var ErrCopyNeedsRaw = errors.New("momoko: COPY from or to the client needs CopyFrom, CopyTo or Conn.Raw")

// ErrPrepareAgain: the batch's cached statement was forgotten, its
// arguments not encoding for it; the batch goes to PrepareFor again and is
// written once its fresh Prepare is answered. Nothing of it was written.
var ErrPrepareAgain = errors.New("momoko: prepare again")
