// Dormand-Prince 8(7) pair (RK8(7)13M): order 8 solution, embedded order 7
// solution. The 13 stages of the paper are followed, as in Diffrax's `Dopri8`,
// by a 14th stage f(t1, y1) (FSAL), which the dense output needs. The
// coefficients are the paper's rational approximations (row sums match c, and
// the order conditions hold, to ~1e-17 rather than exactly).
// Reference: P. J. Prince, J. R. Dormand, "High order embedded Runge-Kutta
// formulae", J. Comput. Appl. Math. 7 (1981) 67-75.
// Dense output: Diffrax's `_Dopri8Interpolation` (after P. Bogacki, L. F.
// Shampine, "Interpolating high-order Runge-Kutta formulas", Comput. Math.
// Appl. 20 (1990) 15-24): a degree-6 polynomial in theta. Checked against the
// continuous order conditions it is of order 5 (local error O(dt^6)), not 8 as
// Diffrax's docstring says, hence dense_order = 5. Its 20-digit coefficients
// miss w_i(1) = b_i by up to 1e-12; that difference has been added to each
// theta^6 coefficient so the interpolant ends exactly at y1 (this leaves the
// order 1-5 conditions as accurate as before, ~1e-15).
#pragma once

#include <Kokkos_Core.hpp>

namespace kode {

struct Dopri8 {
  static constexpr const char* name = "dopri8";
  static constexpr int stages = 14;
  static constexpr int order = 8;          // order of the propagated solution
  static constexpr bool has_error = true;  // embedded error estimate available
  static constexpr bool fsal = true;       // last stage is f(t1, y1): c = 1 and a(last, :) == b
  // Order of the native dense interpolant (local error O(dt^6)).
  static constexpr int dense_order = 5;
  // Polynomial degree in theta of the native interpolant (0: none).
  static constexpr int dense_degree = 6;

  KOKKOS_INLINE_FUNCTION static constexpr double c(int i) {
    constexpr double v[stages] = {0.0,
                                  1.0 / 18.0,
                                  1.0 / 12.0,
                                  1.0 / 8.0,
                                  5.0 / 16.0,
                                  3.0 / 8.0,
                                  59.0 / 400.0,
                                  93.0 / 200.0,
                                  5490023248.0 / 9719169821.0,
                                  13.0 / 20.0,
                                  1201146811.0 / 1299019798.0,
                                  1.0,
                                  1.0,
                                  1.0};
    return v[i];
  }
  // a(i, j) for j < i (strictly lower triangular); each row lists its j < i
  // entries only, the rest of the row is zero-initialised.
  KOKKOS_INLINE_FUNCTION static constexpr double a(int i, int j) {
    constexpr double v[stages][stages] = {
        {},
        {1.0 / 18.0},
        {1.0 / 48.0, 1.0 / 16.0},
        {1.0 / 32.0, 0.0, 3.0 / 32.0},
        {5.0 / 16.0, 0.0, -75.0 / 64.0, 75.0 / 64.0},
        {3.0 / 80.0, 0.0, 0.0, 3.0 / 16.0, 3.0 / 20.0},
        {29443841.0 / 614563906.0, 0.0, 0.0, 77736538.0 / 692538347.0, -28693883.0 / 1125000000.0,
         23124283.0 / 1800000000.0},
        {16016141.0 / 946692911.0, 0.0, 0.0, 61564180.0 / 158732637.0, 22789713.0 / 633445777.0,
         545815736.0 / 2771057229.0, -180193667.0 / 1043307555.0},
        {39632708.0 / 573591083.0, 0.0, 0.0, -433636366.0 / 683701615.0,
         -421739975.0 / 2616292301.0, 100302831.0 / 723423059.0, 790204164.0 / 839813087.0,
         800635310.0 / 3783071287.0},
        {246121993.0 / 1340847787.0, 0.0, 0.0, -37695042795.0 / 15268766246.0,
         -309121744.0 / 1061227803.0, -12992083.0 / 490766935.0, 6005943493.0 / 2108947869.0,
         393006217.0 / 1396673457.0, 123872331.0 / 1001029789.0},
        {-1028468189.0 / 846180014.0, 0.0, 0.0, 8478235783.0 / 508512852.0,
         1311729495.0 / 1432422823.0, -10304129995.0 / 1701304382.0, -48777925059.0 / 3047939560.0,
         15336726248.0 / 1032824649.0, -45442868181.0 / 3398467696.0, 3065993473.0 / 597172653.0},
        {185892177.0 / 718116043.0, 0.0, 0.0, -3185094517.0 / 667107341.0,
         -477755414.0 / 1098053517.0, -703635378.0 / 230739211.0, 5731566787.0 / 1027545527.0,
         5232866602.0 / 850066563.0, -4093664535.0 / 808688257.0, 3962137247.0 / 1805957418.0,
         65686358.0 / 487910083.0},
        {403863854.0 / 491063109.0, 0.0, 0.0, -5068492393.0 / 434740067.0,
         -411421997.0 / 543043805.0, 652783627.0 / 914296604.0, 11173962825.0 / 925320556.0,
         -13158990841.0 / 6184727034.0, 3936647629.0 / 1978049680.0, -160528059.0 / 685178525.0,
         248638103.0 / 1413531060.0, 0.0},
        {14005451.0 / 335480064.0, 0.0, 0.0, 0.0, 0.0, -59238493.0 / 1068277825.0,
         181606767.0 / 758867731.0, 561292985.0 / 797845732.0, -1041891430.0 / 1371343529.0,
         760417239.0 / 1151165299.0, 118820643.0 / 751138087.0, -528747749.0 / 2220607170.0,
         1.0 / 4.0}};
    return v[i][j];
  }
  KOKKOS_INLINE_FUNCTION static constexpr double b(int i) {
    constexpr double v[stages] = {14005451.0 / 335480064.0,
                                  0.0,
                                  0.0,
                                  0.0,
                                  0.0,
                                  -59238493.0 / 1068277825.0,
                                  181606767.0 / 758867731.0,
                                  561292985.0 / 797845732.0,
                                  -1041891430.0 / 1371343529.0,
                                  760417239.0 / 1151165299.0,
                                  118820643.0 / 751138087.0,
                                  -528747749.0 / 2220607170.0,
                                  1.0 / 4.0,
                                  0.0};
    return v[i];
  }
  // Error weights: y_error = dt * sum_i b_error(i) k_i, the difference between the
  // weights of the solution and of the embedded one (sign as in Diffrax; only
  // |y_error| matters).
  KOKKOS_INLINE_FUNCTION static constexpr double b_error(int i) {
    constexpr double v[stages] = {14005451.0 / 335480064.0 - 13451932.0 / 455176623.0,
                                  0.0,
                                  0.0,
                                  0.0,
                                  0.0,
                                  -59238493.0 / 1068277825.0 + 808719846.0 / 976000145.0,
                                  181606767.0 / 758867731.0 - 1757004468.0 / 5645159321.0,
                                  561292985.0 / 797845732.0 - 656045339.0 / 265891186.0,
                                  -1041891430.0 / 1371343529.0 + 3867574721.0 / 1518517206.0,
                                  760417239.0 / 1151165299.0 - 465885868.0 / 322736535.0,
                                  118820643.0 / 751138087.0 - 53011238.0 / 667516719.0,
                                  -528747749.0 / 2220607170.0 - 2.0 / 45.0,
                                  1.0 / 4.0,
                                  0.0};
    return v[i];
  }
  // Native dense output weights, theta in [0, 1]:
  // y(t0 + theta dt) = y0 + dt * sum_i dense_weight(i, theta) * k_i,
  // dense_weight(i, theta) = sum_p w[i][p] theta^p (degree 6, Horner form);
  // dense_weight(i, 0) = 0 and dense_weight(i, 1) = b(i).
  // Theta: double, or a pack of SIMD lanes (the same operations per lane).
  template <class Theta>
  KOKKOS_INLINE_FUNCTION static constexpr Theta dense_weight(int i, const Theta& theta) {
    constexpr double w[stages][7] = {{0.0, 1.0, -6.6910181737837595, 19.999006933368396,
                                      -30.061056828966645, 22.139650499809406, -6.344834939285869},
                                     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
                                     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
                                     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
                                     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
                                     {0.0, 0.0, -7.6142658045872675, 52.227353279294555,
                                      -121.49996277313346, 116.44221495503422, -39.61079198521928},
                                     {0.0, 0.0, 10.728139263042886, -46.89191641810936,
                                      83.17210046398478, -67.14513188259572, 20.376121380878605},
                                     {0.0, 0.0, 0.5526637063753649, -0.18908932250105956,
                                      9.572450755599366, -16.56722435274965, 7.334709882679424},
                                     {0.0, 0.0, 4.218656262566515, -35.70759759462221,
                                      87.84060576772056, -89.9916014847245, 32.880177435245166},
                                     {0.0, 0.0, -0.6627209125361597, 6.273644808324035,
                                      -17.415210777076297, 22.623748964853284, -10.158899052642576},
                                     {0.0, 0.0, -1.2636789001135462, 10.316088127245076,
                                      -28.590328951479098, 32.23623401673554, -12.540126809877844},
                                     {0.0, 0.0, 5.410603789859042, -34.76507698666118,
                                      81.66309505843414, -82.10203154883598, 29.55530014845112},
                                     {0.0, 0.0, -7.032137906794574, 47.745797107822554,
                                      -114.93752913770093, 116.26621857911195, -41.792348642438995},
                                     {0.0, 0.0, 2.3537586759714983, -19.008209934160803,
                                      50.255836422617605, -53.90207774663854, 20.300692582210242}};
    Theta r = w[i][6];
    for (int p = 5; p >= 0; --p) r = r * theta + w[i][p];
    return r;
  }
};

}  // namespace kode
