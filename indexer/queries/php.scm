; PHP: functions, classes, interfaces, traits, enums, methods with a body, braced namespaces.
(function_definition name: (name) @name) @definition.function
(class_declaration name: (name) @name) @definition.class
(interface_declaration name: (name) @name) @definition.class
(trait_declaration name: (name) @name) @definition.class
(enum_declaration name: (name) @name) @definition.class
(method_declaration name: (name) @name body: (compound_statement)) @definition.method
(namespace_definition name: (_) @name body: (compound_statement)) @definition.namespace
