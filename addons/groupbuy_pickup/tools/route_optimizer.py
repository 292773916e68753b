"""Stop order of a delivery route: a travelling-salesman tour from the warehouse (node 0)
through every stop and back.

With Google OR-Tools installed (``ortools`` on PyPI) its routing solver finds the tour
(path cheapest arc, then guided local search for a short time). Without it (a machine
where the wheel is missing) a nearest-neighbour tour improved by 2-opt is used: no
guarantee of the optimum, but never longer than the nearest-neighbour tour and, on the
few dozen stops of a route, usually optimal or close to it.
"""

try:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2
except ImportError:  # pragma: no cover - depends on the machine
    pywrapcp = routing_enums_pb2 = None

SCALE = 1000  # OR-Tools works on integers: metres when the matrix is in kilometres


def tour_length(matrix, order):
    """Length of the closed tour 0 → order... → 0."""
    path = [0, *order, 0]
    return sum(matrix[a][b] for a, b in zip(path, path[1:]))


def _ortools_tour(matrix, time_limit=2):
    size = len(matrix)
    manager = pywrapcp.RoutingIndexManager(size, 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def cost(from_index, to_index):
        return int(round(matrix[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)] * SCALE))

    transit = routing.RegisterTransitCallback(cost)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(time_limit * 1000))
    solution = routing.SolveWithParameters(params)
    if not solution:
        return None
    order, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node:
            order.append(node)
        index = solution.Value(routing.NextVar(index))
    return order


def _nearest_neighbour_two_opt(matrix):
    size = len(matrix)
    left, order, current = set(range(1, size)), [], 0
    while left:
        current = min(left, key=lambda node: (matrix[current][node], node))
        order.append(current)
        left.remove(current)
    improved = True
    while improved:
        improved = False
        path = [0, *order, 0]
        for i in range(1, len(path) - 2):
            for j in range(i + 1, len(path) - 1):
                a, b, c, d = path[i - 1], path[i], path[j], path[j + 1]
                if matrix[a][c] + matrix[b][d] < matrix[a][b] + matrix[c][d] - 1e-9:
                    path[i:j + 1] = reversed(path[i:j + 1])
                    improved = True
        order = path[1:-1]
    return order


def solve(matrix, use_ortools=True):
    """``(order, solver)``: the stops (1..n-1) in tour order and the solver's name."""
    if len(matrix) <= 2:
        return list(range(1, len(matrix))), "trivial"
    if use_ortools and pywrapcp is not None:
        order = _ortools_tour(matrix)
        if order:
            return order, "ortools"
    return _nearest_neighbour_two_opt(matrix), "nearest-neighbour + 2-opt"
