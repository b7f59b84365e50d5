/** `npm run bench`: the region-scale benchmark is not built yet (its own issue). */
console.log('Нагрузочный замер ещё не реализован (отдельная задача): пока нечего измерять.');
