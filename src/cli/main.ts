// Entry point of the `bct` command. Each command lives in its own file in this folder.
console.log('bct: no commands yet');
