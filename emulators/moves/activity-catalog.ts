// The supported activity list of GET /activities (§3.7), in the reference's table order.
export interface CatalogEntry {
  activity: string;
  group?: string;
  geo: boolean;
  place: boolean;
  color: string;
  units: string;
}

const TRANSPORT = [
  'airplane',
  'boat',
  'bus',
  'car',
  'escalator',
  'ferry',
  'funicular',
  'motorcycle',
  'sailing',
  'scooter',
  'transport',
  'train',
  'tram',
  'underground',
];
const GEO_SPORTS: Array<[string, string]> = [
  ['cross_country_skiing', '2183b8'],
  ['downhill_skiing', '00a6ff'],
  ['kayaking', '1390d4'],
  ['paddling', '1390d4'],
  ['paintball', 'e82c64'],
  ['riding', '995e34'],
  ['roller_skiing', '2183b8'],
  ['rollerblading', 'e0bb00'],
  ['rollerskating', 'ffa361'],
  ['rowing', '1390d4'],
  ['skateboarding', 'ff8c3b'],
  ['skating', '1390d4'],
  ['snowboarding', '8765f7'],
  ['wheel_chair', '358f8c'],
];
const GEO_STEP_SPORTS: Array<[string, string]> = [
  ['golfing', '44c42d'],
  ['snowshoeing', '3360f2'],
];
const PLACE_WORKOUTS: Array<[string, string]> = [
  ['aerobics', 'bc4fff'],
  ['american_football', 'c93838'],
  ['badminton', '11d1cb'],
  ['ballet', 'ff82a8'],
  ['bandy', '22b5b0'],
  ['baseball', 'fa7070'],
  ['basketball', 'fc6f0a'],
  ['beach_volleyball', 'ffb938'],
  ['bodypump', 'd1416c'],
  ['bowling', 'd68b00'],
  ['boxing', 'c93838'],
  ['circuit_training', 'eb4db4'],
  ['cleaning', '96cc00'],
  ['climbing', 'c96a26'],
  ['cricket', '96cc00'],
  ['curling', '11d1cb'],
  ['dancing', '963fcc'],
  ['disc_ultimate', '4a963c'],
  ['elliptical_training', 'bc4fff'],
  ['fencing', '42bdff'],
  ['floorball', '22b5b0'],
  ['gym_training', 'e82c64'],
  ['gymnastics', '9c27e6'],
  ['handball', '3e5ec7'],
  ['hockey', '22b5b0'],
  ['kettlebell', 'eb4db4'],
  ['kite_surfing', '00a6ff'],
  ['lacrosse', '4a963c'],
  ['martial_arts', 'fa4646'],
  ['parkour', 'c96a26'],
  ['petanque', '42bdff'],
  ['pilates', 'ff82a8'],
  ['polo', 'fa4646'],
  ['racquetball', '2183b8'],
  ['rugby', '238755'],
  ['scuba_diving', '11d1cb'],
  ['soccer', '4a963c'],
  ['spinning', 'ffa600'],
  ['squash', 'ab91ff'],
  ['stair_climbing', 'ffa600'],
  ['stretching', '8ca7ff'],
  ['surfing', '00a6ff'],
  ['swimming', '42bdff'],
  ['table_tennis', '3360f2'],
  ['tennis', 'ffb938'],
  ['volleyball', '8ca7ff'],
  ['water_polo', 'cc68c9'],
  ['weight_training', 'cc68c9'],
  ['windsurfing', '00a6ff'],
  ['wrestling', 'fc6f0a'],
  ['yoga', 'a655a3'],
  ['zumba', 'fa5788'],
];

export const ACTIVITY_CATALOG: readonly CatalogEntry[] = [
  {
    activity: 'walking',
    group: 'walking',
    geo: true,
    place: true,
    color: '00d55a',
    units: 'steps,distance,duration,calories',
  },
  {
    activity: 'walking_on_treadmill',
    group: 'walking',
    geo: false,
    place: true,
    color: '00d55a',
    units: 'steps,duration,calories',
  },
  {
    activity: 'running',
    group: 'running',
    geo: true,
    place: true,
    color: 'f660f4',
    units: 'steps,distance,duration,calories',
  },
  {
    activity: 'running_on_treadmill',
    group: 'running',
    geo: false,
    place: true,
    color: 'f660f4',
    units: 'steps,duration,calories',
  },
  {
    activity: 'cycling',
    group: 'cycling',
    geo: true,
    place: true,
    color: '00cdec',
    units: 'distance,duration,calories',
  },
  {
    activity: 'indoor_cycling',
    group: 'cycling',
    geo: false,
    place: true,
    color: '00cdec',
    units: 'duration,calories',
  },
  ...TRANSPORT.map((activity) => ({
    activity,
    group: 'transport',
    geo: true,
    place: false,
    color: '848484',
    units: 'distance,duration',
  })),
  ...GEO_SPORTS.map(([activity, color]) => ({
    activity,
    geo: true,
    place: true,
    color,
    units: 'distance,duration,calories',
  })),
  ...GEO_STEP_SPORTS.map(([activity, color]) => ({
    activity,
    geo: true,
    place: true,
    color,
    units: 'steps,distance,duration,calories',
  })),
  ...PLACE_WORKOUTS.map(([activity, color]) => ({
    activity,
    geo: false,
    place: true,
    color,
    units: 'duration,calories',
  })),
];

const BY_NAME = new Map(ACTIVITY_CATALOG.map((e) => [e.activity, e]));

export function groupOf(activity: string): string | undefined {
  return BY_NAME.get(activity)?.group;
}
