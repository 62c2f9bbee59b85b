; Bash tags: functions and exported/assigned globals; `source` / `.`; references (commands run).
(function_definition name: (word) @name.definition.function) @definition.function
(program (variable_assignment name: (variable_name) @name.definition.variable) @definition.variable)

; imports: a sourced file's functions are all visible (a star import)
((command name: (command_name (word) @_source) argument: [(word) (string) (raw_string)] @import.module @import.star) @import
  (#any-of? @_source "source" "."))

; references
(command name: (command_name (word) @name.reference.call))
