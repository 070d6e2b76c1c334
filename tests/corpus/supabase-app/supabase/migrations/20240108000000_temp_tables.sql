create temp table note_import (id bigint, body text);
insert into note_import values (1, 'hello');
truncate note_import;
drop table note_import;
