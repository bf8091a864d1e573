/**
 * The words of the sample text, most frequent first (the generator draws rank r with weight
 * 1/(r + 1), Zipf's law). Lowercase ASCII letters only, all distinct; present() re-hashes them
 * to name the histogram's buckets.
 */
// prettier-ignore
export const sampleVocabulary: readonly string[] = [
  'the', 'of', 'and', 'to', 'a', 'in', 'is', 'that', 'for', 'it',
  'as', 'was', 'with', 'be', 'by', 'on', 'not', 'he', 'this', 'are',
  'or', 'his', 'from', 'at', 'which', 'but', 'have', 'an', 'had', 'they',
  'you', 'were', 'their', 'one', 'all', 'we', 'can', 'her', 'has', 'there',
  'been', 'if', 'more', 'when', 'will', 'would', 'who', 'so', 'no', 'she',
  'other', 'its', 'may', 'these', 'what', 'them', 'than', 'some', 'him', 'time',
  'into', 'only', 'do', 'could', 'new', 'about', 'two', 'first', 'then', 'our',
  'any', 'also', 'made', 'many', 'like', 'over', 'such', 'after', 'most', 'work',
  'people', 'world', 'data', 'volunteer', 'browser', 'compute', 'kernel', 'unit', 'result', 'graph',
  'science', 'energy', 'protein', 'star', 'galaxy', 'climate', 'model', 'network', 'signal', 'cell',
  'river', 'mountain', 'city', 'village', 'ocean', 'forest', 'light', 'sound', 'water', 'fire',
  'number', 'prime', 'matrix', 'vector', 'field', 'wave', 'atom', 'planet', 'orbit', 'comet',
  'book', 'letter', 'word', 'story', 'song', 'music', 'voice', 'friend', 'family', 'child',
  'morning', 'evening', 'winter', 'summer', 'spring', 'autumn', 'rain', 'snow', 'wind', 'storm',
  'open', 'close', 'small', 'large', 'quick', 'slow', 'bright', 'dark', 'warm', 'cold',
  'share', 'count', 'search', 'sort', 'merge', 'split', 'reduce', 'map', 'hash', 'bucket',
  'answer', 'question', 'reason', 'method', 'measure', 'sample', 'average', 'error', 'proof', 'theory',
  'garden', 'bridge', 'harbour', 'island', 'valley', 'desert', 'meadow', 'canyon', 'glacier', 'volcano',
  'copper', 'silver', 'golden', 'iron', 'glass', 'paper', 'stone', 'wood', 'cotton', 'silk',
  'engine', 'machine', 'circuit', 'screen', 'server', 'client', 'packet', 'socket', 'thread', 'worker',
]
