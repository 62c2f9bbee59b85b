;;; eglot_e2e.el --- Emacs + eglot against the real codeassist-lsp, for tests/editors/test_emacs.py -*- lexical-binding: t -*-
;;
;; Opens $CODEASSIST_E2E_FILE in a project, connects eglot to the server command in $CODEASSIST_E2E_CMD
;; (a JSON list), types $CODEASSIST_E2E_TYPED at the end of the buffer and runs `completion-at-point'
;; the way a user pressing M-TAB does. Writes what happened as JSON to $CODEASSIST_E2E_RESULT.

(package-initialize)
(require 'eglot)
(require 'json)
(require 'python)

(defvar codeassist-e2e-result (list (cons 'steps nil)))

(defun codeassist-e2e-put (key value)
  (setq codeassist-e2e-result (cons (cons key value) codeassist-e2e-result)))

(defun codeassist-e2e-finish ()
  (with-temp-file (getenv "CODEASSIST_E2E_RESULT")
    (insert (json-encode codeassist-e2e-result)))
  (kill-emacs 0))

(run-at-time 100 nil (lambda () (codeassist-e2e-put 'error "driver timed out") (codeassist-e2e-finish)))

(condition-case err
    (let* ((command (append (json-read-from-string (getenv "CODEASSIST_E2E_CMD")) nil))
           (typed (getenv "CODEASSIST_E2E_TYPED")))
      (setq eglot-server-programs (list (cons 'python-mode command)))
      (setq eglot-sync-connect 60)
      (setq eglot-events-buffer-size 2000000)
      (find-file (getenv "CODEASSIST_E2E_FILE"))
      (python-mode)
      (apply #'eglot (eglot--guess-contact))
      (codeassist-e2e-put 'connected (if (eglot-current-server) t :json-false))
      (goto-char (point-max))
      (insert typed)
      (let* ((capf (eglot-completion-at-point))
             (start (nth 0 capf))
             (end (nth 1 capf))
             (table (nth 2 capf))
             (word (buffer-substring-no-properties start end))
             (candidates (all-completions word table)))
        (codeassist-e2e-put 'word word)
        (codeassist-e2e-put 'candidates (vconcat (mapcar #'substring-no-properties candidates))))
      ;; What M-TAB does: complete at point (a single candidate is inserted).
      (let ((completion-auto-help nil))
        (completion-at-point))
      (codeassist-e2e-put 'line (buffer-substring-no-properties (line-beginning-position) (line-end-position)))
      (codeassist-e2e-put 'messages (with-current-buffer "*Messages*" (buffer-string)))
      (codeassist-e2e-put 'events (with-current-buffer (jsonrpc-events-buffer (eglot-current-server)) (buffer-string))))
  (error (codeassist-e2e-put 'error (format "%S" err))
         (codeassist-e2e-put 'messages (with-current-buffer "*Messages*" (buffer-string)))))
(codeassist-e2e-finish)

;;; eglot_e2e.el ends here
