; Python: functions (methods when inside a class), classes. Decorators above a definition
; belong to it; docstrings are inside the node already.
(function_definition name: (identifier) @name) @definition.function
(class_definition name: (identifier) @name) @definition.class
(decorator) @attribute
