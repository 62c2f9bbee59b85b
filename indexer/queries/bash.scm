; Bash: functions (`f() {}` and `function f {}`); comments above belong to them.
(function_definition name: (word) @name) @definition.function
