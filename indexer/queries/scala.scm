; Scala: classes, case classes, objects, traits, enums; functions with a body (methods inside types).
(class_definition name: (_) @name) @definition.class
(object_definition name: (_) @name) @definition.class
(trait_definition name: (_) @name) @definition.class
(enum_definition name: (_) @name) @definition.class
(function_definition name: (_) @name) @definition.function
